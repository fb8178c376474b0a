# hopwatch container image.
#   docker build -t hopwatch .
#   docker run -d -p 3000:3000 -v hopwatch-data:/data hopwatch
# Stage 1 builds the single binary (UI embedded) with the pinned Deno; stage 2 carries only
# the binary, on a slim Debian base, as a non-root user.
ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
COPY static ./static
RUN deno task build:ui && deno task compile

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin hopwatch \
 && mkdir -p /data && chown hopwatch /data
COPY --from=build /src/dist/hopwatch /usr/local/bin/hopwatch
USER hopwatch
WORKDIR /data
ENV PORT=3000 \
    DB_PATH=/data/hopwatch.db \
    HOPWATCH_CONFIG=/data/config.json
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/hopwatch", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hopwatch"]
CMD ["serve"]
