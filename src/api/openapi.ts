/**
 * Builds the OpenAPI 3 document served at `/api/spec` from the route
 * definitions the app registers, so the document lists exactly the endpoints
 * and parameters that exist.
 *
 * @module
 */

import { type AnyRoute, openApiPath, type ParamMap } from "./route_def.ts";

/** The generated document (loosely typed: it is only serialised). */
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
};

/** Builds the OpenAPI 3.0 document for `routes`. */
export function buildOpenApi(routes: readonly AnyRoute[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.path);
    const op: Record<string, unknown> = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${
        path.replace(/[{}]/g, "").replace(
          /[^A-Za-z0-9]+(.)?/g,
          (_m, ch) => (ch ?? "").toUpperCase(),
        )
      }`,
      parameters: Object.entries(r.params as ParamMap).map(([name, p]) => ({
        name,
        in: p.in,
        required: p.required,
        description: p.description,
        schema: stripUndefined(p.schema),
      })),
      responses: responses(r),
    };
    if (r.body) {
      op.requestBody = {
        required: true,
        description: r.body.description +
          (r.body.maxBytes ? ` (at most ${r.body.maxBytes} bytes)` : ""),
        content: { "application/json": { schema: r.body.schema } },
      };
    }
    if (r.auth) op.security = [{ apiKey: [] }];
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "hopwatch API",
      version,
      description: "MeshCore packet analyzer API (CoreScope-compatible core set). " +
        'Unknown query parameters are rejected with 400; errors are {"error": message}.',
    },
    components: {
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } },
      schemas: { Error: { type: "object", properties: { error: { type: "string" } } } },
    },
    paths,
  };
}

function responses(r: AnyRoute): Record<string, unknown> {
  const err = {
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  const out: Record<string, unknown> = {
    "200": {
      description: r.returns,
      content: {
        [r.produces ?? "application/json"]: { schema: { type: r.produces ? "string" : "object" } },
      },
    },
    "400": { description: "invalid or unknown parameter", ...err },
    "429": { description: "rate limit exceeded", ...err },
  };
  if (Object.values(r.params as ParamMap).some((p) => p.in === "path")) {
    out["404"] = { description: "not found", ...err };
  }
  if (r.auth) {
    out["401"] = { description: "wrong API key", ...err };
    out["403"] = { description: "no (or a weak) API key configured", ...err };
  }
  if (r.body) out["413"] = { description: "request body too large", ...err };
  if (r.needsIndex) out["503"] = { description: "index loading (Retry-After: 5)", ...err };
  return out;
}

function stripUndefined(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
