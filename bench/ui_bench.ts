/**
 * UI benchmark: the real hopwatch on a large synthetic database (shape M,
 * 37,000 transmissions, generated on the fly unless `--db FILE` is given),
 * Packets page in headless Chromium. Measures time to first rows (cold page
 * load and in-app navigation) and scrolls 10,000 rows while a
 * PerformanceObserver records long tasks. Prints JSON.
 *
 * `deno run -A bench/ui_bench.ts [--db FILE] [--shape M] [--json]`
 *
 * Targets: first rows <= 1500 ms; no long task > 100 ms while scrolling.
 *
 * @module
 */

import { buildUi } from "../src/api/ui_build.ts";
import { hasChromium, launchBrowser, startHopwatch } from "../tests/ui/e2e_harness.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

if (!hasChromium()) {
  console.log(JSON.stringify({ skipped: "chromium not installed at /usr/bin/chromium" }));
  Deno.exit(0);
}

const tmp = await Deno.makeTempDir({ prefix: "hopwatch-ui-bench-" });
let db = arg("--db");
const shape = arg("--shape") ?? "M";
if (!db) {
  db = `${tmp}/bench.db`;
  const gen = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli/gen_command.ts",
      "--shape",
      shape,
      "--out",
      db,
      "--quiet",
      "--force",
    ],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!gen.success) throw new Error(`Cannot generate the ${shape} database for the UI bench`);
}
const build = await buildUi();
const server = await startHopwatch(db, 300_000);
const browser = await launchBrowser();
try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const total = await (await fetch(`${server.base}/api/packets?limit=1&groupByHash=true`)).json();

  // Cold load: navigation start -> first real rows in the DOM, recorded in the
  // page by a MutationObserver installed before any script runs.
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __firstRows?: number };
    new MutationObserver((_m, obs) => {
      if (document.querySelector(".vt-row:not(.vt-pending) .tcell")) {
        w.__firstRows = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.goto("about:blank");
    await page.goto(`${server.base}/#/packets`);
    await page.waitForSelector(".vt-row:not(.vt-pending) .tcell", { timeout: 30_000 });
    cold.push(
      await page.evaluate(() => (globalThis as unknown as { __firstRows: number }).__firstRows),
    );
  }
  // In-app navigation: from the nodes page to packets.
  const nav: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${server.base}/#/nodes`);
    await page.waitForSelector(".vt-row");
    nav.push(
      await page.evaluate(() =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          location.hash = "#/packets";
          const check = () => {
            if (document.querySelector(".vt-row:not(.vt-pending) .tcell")) {
              resolve(performance.now() - t0);
            } else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        })
      ),
    );
  }

  // Scroll 10,000 rows in ~5 s while observing long tasks.
  const scroll = await page.evaluate(async () => {
    const longTasks: number[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    obs.observe({ type: "longtask", buffered: false });
    const vt = document.querySelector<HTMLElement>(".vt")!;
    const rowH = document.querySelector<HTMLElement>(".vt-row")!.offsetHeight;
    const target = Math.min(10_000 * rowH, vt.scrollHeight - vt.clientHeight);
    const t0 = performance.now();
    let frames = 0;
    let maxGap = 0;
    let last = t0;
    await new Promise<void>((resolve) => {
      const step = (t: number) => {
        frames++;
        maxGap = Math.max(maxGap, t - last);
        last = t;
        const k = Math.min(1, (t - t0) / 5000);
        vt.scrollTop = target * k;
        if (k < 1) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    const scrolled = performance.now() - t0;
    // Let the last page arrive, then check the rows in view are filled.
    await new Promise((r) => setTimeout(r, 1500));
    obs.disconnect();
    return {
      rowsScrolled: Math.round(target / rowH),
      scrollMs: Math.round(scrolled),
      frames,
      maxFrameGapMs: Math.round(maxGap),
      longTasksOver50ms: longTasks.filter((d) => d > 50).length,
      longTasksOver100ms: longTasks.filter((d) => d > 100).length,
      maxLongTaskMs: Math.round(Math.max(0, ...longTasks)),
      domRows: document.querySelectorAll(".vt-row").length,
      pendingRowsAfter: document.querySelectorAll(".vt-row.vt-pending").length,
    };
  });
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const result = {
    bench: "ui_packets",
    shape: arg("--db") ? "custom" : shape,
    groupedRows: total.total,
    ownJsCssGzipBytes: build.ownJsCssGzip,
    vendorJsCssGzipBytes: build.vendorJsCssGzip,
    firstRowsColdMs: cold.map(Math.round),
    firstRowsColdMedianMs: Math.round(median(cold)),
    firstRowsNavMs: nav.map(Math.round),
    firstRowsNavMedianMs: Math.round(median(nav)),
    scroll,
    targets: {
      firstRowsMs: 1500,
      firstRowsOk: median(cold) <= 1500 && median(nav) <= 1500,
      longTaskOk: scroll.longTasksOver100ms === 0,
    },
  };
  console.log(JSON.stringify(result, null, Deno.args.includes("--json") ? 0 : 2));
} finally {
  await browser.close();
  await server.stop();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}
