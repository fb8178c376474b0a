/**
 * The Analytics page's shared area selector in Chromium (issue 13), on the
 * real server over a copy of the fixture with two areas configured: on every
 * tab that honours it, choosing an area shows the figures of the server's
 * area-filtered answers (checked number by number against the API), the key
 * survives a reload and tab switches, tabs that do not honour it say so, an
 * unknown key says so, the selector is hidden without configured areas, no
 * console error or failed API call, and it is usable at phone size (390×844).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildUi } from "../../src/api/ui_build.ts";
import {
  advertHex,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  SHOTS,
  startHopwatch,
  TEST_AREAS,
  watchPage,
} from "./e2e_harness.ts";

const AREAS = TEST_AREAS;
const int = (v: number) => Math.round(v).toLocaleString("en-US");

// deno-lint-ignore no-explicit-any
type Json = any;

/** The figures each area-aware tab must show for `area`, read from the API. */
async function expected(base: string, area: string) {
  const get = async (p: string): Promise<Json> => {
    const r = await fetch(base + p);
    assert.equal(r.status, 200, p);
    return await r.json();
  };
  const rf = await get(`/api/analytics/rf?area=${area}`);
  const topo = await get(`/api/analytics/topology?area=${area}`);
  const sizes = await get(`/api/analytics/hash-sizes?area=${area}`);
  const coll = await get(`/api/analytics/hash-collisions?area=${area}`);
  const nodes = await get(`/api/nodes?area=${area}&limit=2000`);
  const skew = await get(`/api/nodes/clock-skew?area=${area}`);
  const dist = await get(`/api/analytics/distance?area=${area}`);
  const binSum = (b: { bins: { count: number }[] }) => b.bins.reduce((a, x) => a + x.count, 0);
  return {
    tx: rf.totalTransmissions as number,
    obs: rf.totalAllPackets as number,
    snr: binSum(rf.snrValues),
    rssi: binSum(rf.rssiValues),
    types: (rf.payloadTypes as Json[]).map((t) => [t.name, int(t.count)]),
    relayed: (topo.hopDistribution as Json[]).reduce((a, x) => a + x.count, 0) as number,
    topRelays: (topo.topRepeaters as Json[]).length,
    hashTotal: sizes.total as number,
    hashDist: [1, 2, 3].map((s) => int(sizes.distribution[s])),
    collisions: [1, 2, 3].map((s) => [
      int(coll.by_size[s].stats.nodes_for_byte),
      int(coll.by_size[s].collisions.length),
    ]),
    nodes: nodes.nodes as Json[],
    skew: (skew as Json[]).length,
    links: dist.summary.totalHops as number,
  };
}

/** Text of the panel whose heading starts with `title` ("" when there is none yet). */
function panelText(page: Page, title: string): Promise<string> {
  return page.evaluate((t) => {
    const p = [...document.querySelectorAll(".panel")].find((x) =>
      (x.querySelector("h3")?.textContent ?? "").startsWith(t)
    );
    return p?.textContent ?? "";
  }, title);
}

/** Waits until a panel's heading starts with `title` and contains every `want`. */
async function waitPanel(page: Page, title: string, want: string[], what: string) {
  await page.waitForFunction(
    ([t, w]) => {
      const p = [...document.querySelectorAll(".panel")].find((x) =>
        (x.querySelector("h3")?.textContent ?? "").startsWith(t as string)
      );
      return !!p && (w as string[]).every((s) => p.textContent!.includes(s));
    },
    [title, want],
    { timeout: 20_000 },
  ).catch(async () => {
    assert.fail(
      `${what}: panel "${title}" lacks ${want.join(", ")}: ${await panelText(page, title)}`,
    );
  });
}

/** Rows (cell texts) of the first table in the panel titled `title`. */
function panelRows(page: Page, title: string): Promise<string[][]> {
  return page.evaluate((t) => {
    const p = [...document.querySelectorAll(".panel")].find((x) =>
      (x.querySelector("h3")?.textContent ?? "").startsWith(t)
    );
    return [...(p?.querySelectorAll("table tbody tr") ?? [])].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())
    );
  }, title);
}

/** Asserts the selector shows `value` inside the viewport and nothing overflows. */
async function selectorUsable(page: Page, value: string, where: string, width: number) {
  const sel = page.locator(".area-fld select");
  assert.ok(await sel.isVisible(), `${where}: the area selector is visible`);
  assert.equal(await sel.inputValue(), value, `${where}: selected area`);
  const box = await sel.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${where}: ${JSON.stringify(box)}`);
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width + 2, `${where}: page is ${w}px wide in a ${width}px viewport`);
}

/** Clicks the tab labelled `label` and waits for its key and the area in the URL. */
async function openTab(page: Page, label: string, key: string, area: string) {
  await page.click(`nav.tabs a.tab:text-is('${label}')`);
  await page.waitForFunction(
    ([k, a]) => location.hash.includes(`tab=${k}`) && location.hash.includes(`area=${a}`),
    [key, area],
  );
}

Deno.test({
  name: "Analytics area selector: area figures per tab, URL, reload, other tabs, phone, no areas",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const server = await startHopwatch(FIXTURE, 60_000, { areas: AREAS });
    const bare = await startHopwatch(FIXTURE, 60_000);
    const browser = await launchBrowser();
    const errors: string[] = [];
    try {
      // An advert from inside PASO with SNR/RSSI (the fixture's own carry none), and one outside.
      await postPacket(
        server.base,
        (await advertHex("Analytics Paso", "repeater", 35.6, -120.7)).hex,
      );
      await postPacket(
        server.base,
        (await advertHex("Analytics Bay", "repeater", 37.8, -122.27)).hex,
      );
      const paso = await expected(server.base, "PASO");
      const bay = await expected(server.base, "BAY");
      assert.ok(paso.snr >= 1 && paso.tx >= 3, `PASO: ${paso.tx} tx, ${paso.snr} SNR samples`);
      assert.notEqual(paso.nodes.length, bay.nodes.length);
      const pasoRep = paso.nodes.find((n) => n.role === "repeater")!;
      const bayRep = bay.nodes.find((n) => n.role === "repeater")!;

      for (const [label, width, height] of [["desktop", 1280, 900], ["phone", 390, 844]] as const) {
        const page = await browser.newPage({ viewport: { width, height } });
        watchPage(page, errors);
        page.on("response", (r) => {
          if (r.url().includes("/api/") && r.status() >= 400) {
            errors.push(`${page.url()}: ${r.status()} ${r.url()}`);
          }
        });
        await page.goto(`${server.base}/#/analytics`);
        await page.evaluate(
          (keys) => localStorage.setItem("hopwatch.myNodes.v1", JSON.stringify(keys)),
          [pasoRep.public_key.toLowerCase(), bayRep.public_key.toLowerCase()],
        );

        await t.step(
          `${label}: Overview switches to the area's figures, survives reload`,
          async () => {
            await page.goto(`${server.base}/#/analytics`);
            await page.waitForSelector("h3:has-text('Packets over time by type')");
            await page.waitForSelector(".area-fld select option[value=PASO]", {
              state: "attached",
            });
            await page.locator(".area-fld select").selectOption("PASO");
            await page.waitForFunction(() => location.hash.includes("area=PASO"));
            for (const pass of ["selected", "reloaded"]) {
              if (pass === "reloaded") await page.reload();
              const what = `overview ${pass}`;
              await waitPanel(page, "Packets sent from the area over time", [
                `(${int(paso.tx)} transmissions)`,
              ], what);
              await waitPanel(
                page,
                "Hop-count distribution",
                [`(${int(paso.relayed)} packets`],
                what,
              );
              assert.deepEqual(
                await panelRows(page, "Payload types sent from the area"),
                paso.types,
              );
              await selectorUsable(page, "PASO", what, width);
            }
            await page.screenshot({ path: new URL(`analytics-area-${label}.png`, SHOTS).pathname });
          },
        );

        await t.step(`${label}: SNR / RSSI and Hash tabs read the area's analytics`, async () => {
          await openTab(page, "SNR / RSSI", "rf", "PASO");
          await waitPanel(page, "SNR distribution", [`${int(paso.snr)} samples`], "rf");
          await waitPanel(page, "RSSI distribution", [`${int(paso.rssi)} samples`], "rf");
          await waitPanel(page, "Signal of the packets sent from the area", [
            `Transmissions${int(paso.tx)}`,
            `Observations${int(paso.obs)}`,
          ], "rf");
          await selectorUsable(page, "PASO", "rf", width);
          await openTab(page, "Hash sizes & collisions", "hashes", "PASO");
          await waitPanel(
            page,
            "Hash size in packet paths",
            [`(${int(paso.hashTotal)} packets`],
            "h",
          );
          assert.deepEqual(
            (await panelRows(page, "Hash size in packet paths")).map((r) => r[1]),
            paso.hashDist,
          );
          const advertised = `Hash size advertised by the area's ${paso.nodes.length} nodes`;
          await waitPanel(page, advertised, ["Bytes"], "hashes");
          assert.deepEqual(
            (await panelRows(page, advertised)).map((r) => r[1]),
            [1, 2, 3].map((b) => int(paso.nodes.filter((n) => n.hash_size === b).length)),
          );
          assert.deepEqual(
            (await panelRows(page, "Repeaters colliding")).map((r) => r.slice(1)),
            paso.collisions,
          );
        });

        await t.step(
          `${label}: Topology, Nodes, My repeaters, Distance, Clock health`,
          async () => {
            await openTab(page, "Topology", "topology", "PASO");
            await page.waitForSelector("h3:has-text('Top relays')");
            const relays = await panelRows(page, "Top relays");
            assert.equal(relays.length, paso.topRelays, `top relays ${JSON.stringify(relays)}`);
            await openTab(page, "Nodes", "nodes", "PASO");
            await waitPanel(page, "Nodes by role and state", [
              `(${paso.nodes.length} nodes in the area)`,
            ], "nodes");
            const total = (await panelRows(page, "Nodes by role and state"))
              .reduce((a, r) => a + Number(r[1].replace(/,/g, "")), 0);
            assert.equal(total, paso.nodes.length);
            await openTab(page, "My repeaters", "mine", "PASO");
            await waitPanel(
              page,
              "My repeaters (1)",
              ["1 of your repeaters/rooms lie outside"],
              "m",
            );
            assert.equal((await panelRows(page, "My repeaters"))[0][0], pasoRep.name);
            await openTab(page, "Distance", "distance", "PASO");
            await waitPanel(page, "Link distances", [`Links measured${int(paso.links)}`], "dist");
            assert.equal(await page.locator("select.area-select").count(), 0, "one selector only");
            await selectorUsable(page, "PASO", "distance", width);
            await openTab(page, "Clock health", "clock-health", "PASO");
            await page.waitForSelector(`h3:has-text('Nodes, worst first (${int(paso.skew)} with')`);
            // Another area from the selector: the same tab follows it.
            await page.locator(".area-fld select").selectOption("BAY");
            await page.waitForSelector(`h3:has-text('Nodes, worst first (${int(bay.skew)} with')`);
            assert.ok(page.url().includes("tab=clock-health") && page.url().includes("area=BAY"));
            await page.locator(".area-fld select").selectOption("PASO");
            await page.waitForFunction(() => location.hash.includes("area=PASO"));
          },
        );

        await t.step(`${label}: tabs the area does not apply to say so`, async () => {
          for (const [tab, key] of [["Channels", "channels"], ["Sub-paths", "subpaths"]]) {
            await openTab(page, tab, key, "PASO");
            await page.waitForSelector(".area-note:has-text('Paso Robles')");
            assert.equal(await page.locator(".area-fld").count(), 0, `${tab}: no selector`);
          }
          await openTab(page, "Overview", "overview", "PASO");
          await waitPanel(
            page,
            "Packets sent from the area over time",
            [`(${int(paso.tx)} tr`],
            "o",
          );
          await openTab(page, "Channels", "channels", "PASO");
          await page.click(".area-note a");
          await page.waitForFunction(() => !location.hash.includes("area="));
          // The hash changes before the router's hashchange redraws the toolbar.
          await page.waitForSelector(".area-note", { state: "detached", timeout: 10_000 });
          assert.equal(await page.locator(".area-note").count(), 0);
        });

        await t.step(`${label}: an unknown area says so; all areas again`, async () => {
          await page.goto(`${server.base}/#/analytics?tab=nodes&area=NOPE`);
          await page.waitForSelector(`.state-empty:has-text('No area "NOPE" is configured')`);
          await page.locator(".area-fld select").selectOption("");
          await page.waitForFunction(() => !location.hash.includes("area="));
          await page.waitForSelector("h3:has-text('Nodes by role and state')");
          const all = await panelText(page, "Nodes by role and state");
          assert.ok(!all.includes("in the area") && !all.includes(`(${paso.nodes.length} nodes`));
        });

        await t.step(`${label}: a slow tab switched away from does not land late`, async () => {
          // The overview's sample is held back 1.5 s; Roles is opened meanwhile.
          const hold = (r: import("playwright-core").Route) =>
            setTimeout(() => r.continue().catch(() => {}), 1500);
          await page.route("**/api/packets?*", hold);
          await page.goto(`${server.base}/#/analytics?tab=overview`);
          await page.waitForTimeout(200);
          await page.goto(`${server.base}/#/analytics?tab=roles`);
          await page.waitForSelector("nav.tabs a.tab.on:text-is('Roles')");
          await page.waitForTimeout(2500);
          await page.unroute("**/api/packets?*", hold);
          assert.equal(await page.locator("h3:has-text('Packets over time by type')").count(), 0);
          assert.ok((await page.locator(".panel").count()) > 0, "roles drawn");
        });

        await t.step(`${label}: no selector without configured areas`, async () => {
          for (const tab of ["overview", "distance", "channels"]) {
            await page.goto(`${bare.base}/#/analytics?tab=${tab}`);
            await page.waitForSelector(".panel", { timeout: 20_000 });
            await page.waitForTimeout(500);
            assert.equal(await page.locator(".area-fld:visible, .area-note").count(), 0, tab);
            assert.equal(await page.locator(".area-fld option").count(), 0, tab);
          }
        });
        await page.close();
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.stop();
      await bare.stop();
    }
  },
});
