/**
 * The Packets page draws no rows but the rows its URL means: in headless
 * Chromium, a MutationObserver installed before the app runs records every
 * state of the table (its rows and the count line) while the location names
 * the URL under test, on a first load, from another page and from the same
 * page with another view or filter; no recorded row may be one the URL's
 * filter excludes or one missing from the rows the page settles on, and no
 * count may name the other view or exceed the settled count.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildUi } from "../../src/api/ui_build.ts";
import {
  advertHex,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  startHopwatch,
  watchPage,
} from "./e2e_harness.ts";

/** One recorded state of the table: the location, the count line and each drawn row's cells. */
interface Draw {
  hash: string;
  count: string;
  rows: string[][];
}

type Win = { __draws: Draw[] };

/** Installed before the app: records each distinct table state after every DOM mutation. */
function recordDraws() {
  const w = window as unknown as Win;
  w.__draws = [];
  let last = "";
  new MutationObserver(() => {
    const rows = [...document.querySelectorAll(".vt-row:not(.vt-pending)")].map((r) =>
      [...r.children].map((c) => c.textContent ?? "")
    );
    const d = {
      hash: location.hash,
      count: document.querySelector(".count")?.textContent ?? "",
      rows,
    };
    const key = JSON.stringify(d);
    if (key !== last) w.__draws.push(d);
    last = key;
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

const OBS_API = "observer == api";
const ADVERT = "type == ADVERT";
/** Cell index of each column the checks read. */
const COL = { type: 1, observer: 5 };

/** The hash of the packets page for `query`. */
function packets(query: Record<string, string> = {}): string {
  const s = new URLSearchParams(query).toString();
  return "#/packets" + (s ? "?" + s : "");
}

/** Why a row is one the filter expression `filter` excludes ("" when it passes). */
function excluded(filter: string | undefined, cells: string[]): string {
  if (filter === OBS_API && cells[COL.observer] !== "api") return `observer ${cells[COL.observer]}`;
  if (filter === ADVERT && cells[COL.type] !== "ADVERT") return `type ${cells[COL.type]}`;
  return "";
}

/** The number and noun of a count line, e.g. `2 observations · 500 scanned` → [2, "observations"]. */
function countOf(s: string): [number, string] {
  const m = s.match(/^([\d,]+) (\w+)/);
  return m ? [Number(m[1].replaceAll(",", "")), m[2]] : [NaN, ""];
}

/** Waits until `hash` is shown with its rows and a finished count, then a little more. */
async function settle(page: Page, hash: string): Promise<void> {
  await page.waitForFunction(
    (h) => {
      const count = document.querySelector(".count")?.textContent ?? "";
      return location.hash === h && count !== "" && !count.endsWith("…") &&
        document.querySelector(".vt-row:not(.vt-pending)") !== null;
    },
    hash,
    { timeout: 20_000 },
  );
  await page.waitForTimeout(400);
}

/**
 * Opens `to` (after settling on `from` when given, recording only from then on) and checks
 * every table state recorded under `to` against the state it settles on.
 */
async function judge(page: Page, base: string, to: string, from?: string): Promise<void> {
  const label = `${from ?? "(first load)"} -> ${to}`;
  if (from) {
    await page.goto(base + "/" + from);
    if (from.startsWith("#/packets")) await settle(page, from);
    else await page.waitForSelector(".page > *");
    await page.evaluate(() => ((window as unknown as Win).__draws.length = 0));
  }
  await page.goto(base + "/" + to);
  await settle(page, to);
  const draws = (await page.evaluate(() => (window as unknown as Win).__draws))
    .filter((d) => d.hash === to);
  const final = draws.at(-1);
  assert.ok(final && final.rows.length > 0, `${label}: no rows drawn`);
  const filter = new URLSearchParams(to.split("?")[1] ?? "").get("filter") ?? undefined;
  const settled = new Set(final.rows.map((r) => JSON.stringify(r)));
  const [finalN, noun] = countOf(final.count);
  assert.equal(
    noun,
    new URLSearchParams(to.split("?")[1]).get("view") ? "observations" : "packets",
  );
  for (const [i, d] of draws.entries()) {
    const where = `${label}: state ${i + 1} of ${draws.length} (count "${d.count}")`;
    for (const r of d.rows) {
      const why = excluded(filter, r);
      assert.equal(why, "", `${where} drew a row the filter excludes (${why}): ${r.join(" | ")}`);
      assert.ok(
        settled.has(JSON.stringify(r)),
        `${where} drew a row not settled on: ${r.join(" | ")}`,
      );
    }
    if (d.count === "") continue;
    const [n, nn] = countOf(d.count);
    assert.ok(nn === noun && n <= finalN, `${where}: count not of "${final.count}"`);
  }
}

async function run(browser: Browser, base: string, steps: [string, string?][]): Promise<void> {
  const errors: string[] = [];
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  try {
    await ctx.addInitScript(recordDraws);
    const page = await ctx.newPage();
    watchPage(page, errors);
    for (const [to, from] of steps) await judge(page, base, to, from);
  } finally {
    await ctx.close();
  }
  assert.deepEqual(errors, []);
}

Deno.test({
  name: "packets page draws only the rows its URL means (no flash of other rows)",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    const browser = await launchBrowser();
    try {
      const server = await startHopwatch(FIXTURE);
      const base = server.base;
      try {
        // Two packets heard by the ingest API (observer "api") among the fixture's.
        for (const name of ["flash one", "flash two"]) {
          await postPacket(base, (await advertHex(name)).hex);
        }
        const obsApi = packets({ view: "obs", filter: OBS_API });
        const obsAdvert = packets({ view: "obs", filter: ADVERT });
        const advert = packets({ filter: ADVERT });
        const apiGrouped = packets({ filter: OBS_API });
        await t.step(
          "first load: observation view with a filter",
          () => run(browser, base, [[obsApi]]),
        );
        await t.step(
          "first load: default view with a filter",
          () => run(browser, base, [[advert]]),
        );
        await t.step(
          "from another page",
          () => run(browser, base, [[obsApi, "#/nodes"], [advert, "#/nodes"]]),
        );
        await t.step("same page, another view or filter", () =>
          run(browser, base, [
            [obsApi, packets()],
            [obsApi, obsAdvert],
            [obsApi, advert],
            [advert, packets()],
            [apiGrouped, obsAdvert],
          ]));
        await t.step("same page, the filter removed", () =>
          run(browser, base, [
            [packets(), advert],
            [packets({ view: "obs" }), obsApi],
          ]));
      } finally {
        await server.stop();
      }
    } finally {
      await browser.close();
    }
  },
});
