/**
 * Builds the web UI: bundles `static/` with `deno bundle` (browser, minified,
 * code-split so Leaflet and uPlot are lazy vendor chunks), adds the HTML, CSS
 * (ours plus Leaflet's and uPlot's from their npm packages) and icon, and
 * writes ONE generated module, `dist/ui_assets.gen.js`, embedding every asset
 * with its content type, ETag and a precomputed gzip.
 *
 * Usage: `deno run -A src/api/ui_build.ts [--out dist/ui_assets.gen.js] [--json] [--dev]`
 * (`--dev` skips minification for debugging).
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";

/** One built asset before embedding. */
export interface BuiltAsset {
  /** URL path, e.g. `/assets/app.js`. */
  path: string;
  type: string;
  body: Uint8Array;
  /** True for third-party code (Leaflet, uPlot), excluded from the size budget. */
  vendor: boolean;
}

/** Size report printed by the build. */
export interface BuildReport {
  out: string;
  files: { path: string; bytes: number; gzip: number; vendor: boolean }[];
  /** gzip bytes of our own JS + CSS (the 150 KB budget). */
  ownJsCssGzip: number;
  /** gzip bytes of vendor JS + CSS. */
  vendorJsCssGzip: number;
}

const ROOT = new URL("../../", import.meta.url);
const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
  map: "application/json",
};

/** Content type for a file name. */
export function contentType(name: string): string {
  return TYPES[name.slice(name.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream";
}

async function walk(dir: string, base = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await walk(`${dir}/${e.name}`, rel));
    else if (e.isFile) out.push(rel);
  }
  return out.sort();
}

/** Removes comments and collapses whitespace in our own CSS. */
export function minifyCss(css: string): string {
  return css.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\s+/g, " ")
    .replace(/\s*([{}:;,>])\s*/g, "$1").replace(/;}/g, "}").trim();
}

async function readNpmCss(specifier: string): Promise<Uint8Array> {
  const url = import.meta.resolve(specifier);
  if (!url.startsWith("file:")) {
    throw new Error(`Cannot read "${specifier}": resolved to ${url}, not a local file`);
  }
  return await Deno.readFile(new URL(url));
}

/** Runs `deno bundle` and collects every UI asset. */
export async function buildAssets(minify = true): Promise<BuiltAsset[]> {
  const tmp = await Deno.makeTempDir({ prefix: "hopwatch-ui-" });
  try {
    const staticDir = new URL("static/", ROOT);
    const cmd = new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        new URL("deno.json", ROOT).pathname,
        "--platform",
        "browser",
        ...(minify ? ["--minify"] : []),
        "--format",
        "esm",
        "--code-splitting",
        "--outdir",
        tmp,
        new URL("app.ts", staticDir).pathname,
        new URL("lazy/leaflet.ts", staticDir).pathname,
        new URL("lazy/uplot.ts", staticDir).pathname,
      ],
      stdout: "piped",
      stderr: "piped",
    });
    const res = await cmd.output();
    if (!res.success) {
      throw new Error(
        `Cannot bundle static/: deno bundle failed\n${new TextDecoder().decode(res.stderr)}`,
      );
    }
    const assets: BuiltAsset[] = [];
    for (const rel of await walk(tmp)) {
      assets.push({
        path: `/assets/${rel}`,
        type: contentType(rel),
        body: await Deno.readFile(`${tmp}/${rel}`),
        vendor: rel.startsWith("lazy/"),
      });
    }
    const enc = new TextEncoder();
    // Our stylesheets, concatenated in name order (static/css/1_base.css, 2_..., ...).
    const cssDir = new URL("css/", staticDir);
    const cssFiles = (await walk(cssDir.pathname)).filter((f) => f.endsWith(".css"));
    let css = "";
    for (const f of cssFiles) css += minifyCss(await Deno.readTextFile(new URL(f, cssDir))) + "\n";
    assets.push(
      {
        path: "/",
        type: TYPES.html,
        body: await Deno.readFile(new URL("index.html", staticDir)),
        vendor: false,
      },
      { path: "/assets/app.css", type: TYPES.css, body: enc.encode(css), vendor: false },
      {
        path: "/assets/icon.svg",
        type: TYPES.svg,
        body: await Deno.readFile(new URL("icon.svg", staticDir)),
        vendor: false,
      },
      {
        path: "/assets/leaflet.css",
        type: TYPES.css,
        body: await readNpmCss("leaflet/dist/leaflet.css"),
        vendor: true,
      },
      {
        path: "/assets/uplot.css",
        type: TYPES.css,
        body: await readNpmCss("uplot/dist/uPlot.min.css"),
        vendor: true,
      },
    );
    return assets;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Builds and writes the generated module to `out`; returns the size report. */
export async function buildUi(
  out = new URL("dist/ui_assets.gen.js", ROOT).pathname,
  minify = true,
): Promise<BuildReport> {
  const assets = await buildAssets(minify);
  const report: BuildReport = { out, files: [], ownJsCssGzip: 0, vendorJsCssGzip: 0 };
  const lines = [
    "// Generated by src/api/ui_build.ts. Do not edit; rebuild with `deno task build:ui`.",
    `export const builtAt = ${JSON.stringify(new Date().toISOString())};`,
    "export const files = [",
  ];
  for (const a of assets) {
    const gz = new Uint8Array(gzipSync(a.body, { level: 9 }));
    const etag = `"${createHash("sha256").update(a.body).digest("hex").slice(0, 20)}"`;
    lines.push(
      `  { path: ${JSON.stringify(a.path)}, type: ${JSON.stringify(a.type)}, etag: ${
        JSON.stringify(etag)
      }, ` +
        `body: ${JSON.stringify(b64(a.body))}, gzip: ${JSON.stringify(b64(gz))} },`,
    );
    report.files.push({ path: a.path, bytes: a.body.length, gzip: gz.length, vendor: a.vendor });
    if (/\.(js|css)$/.test(a.path)) {
      if (a.vendor) report.vendorJsCssGzip += gz.length;
      else report.ownJsCssGzip += gz.length;
    }
  }
  lines.push("];", "");
  await Deno.mkdir(new URL(".", `file://${out}`), { recursive: true });
  await Deno.writeTextFile(out, lines.join("\n"));
  return report;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out");
  const report = await buildUi(i >= 0 ? Deno.args[i + 1] : undefined, !Deno.args.includes("--dev"));
  if (Deno.args.includes("--json")) console.log(JSON.stringify(report, null, 2));
  else {
    for (const f of report.files) {
      console.log(
        `${f.path.padEnd(34)} ${String(f.bytes).padStart(8)} B  gzip ${
          String(f.gzip).padStart(7)
        } B${f.vendor ? "  (vendor)" : ""}`,
      );
    }
    console.log(
      `own JS+CSS gzip: ${report.ownJsCssGzip} B; vendor JS+CSS gzip: ${report.vendorJsCssGzip} B`,
    );
    console.log(`wrote ${report.out}`);
  }
}
