/**
 * End-to-end UI test: the real hopwatch (main.ts) on a copy of the fixture
 * database, driven by headless Chromium. Covers every page without console
 * errors, filtering and the packet detail, a node's Paths tab, live delivery
 * of a POSTed packet to Packets and Live within 2 s, decrypted channels, and
 * hostile names rendered as text everywhere. Screenshots of every page at
 * desktop and phone size go to `test-output/screenshots/`.
 */

import assert from "node:assert/strict";
import { buildUi } from "../../src/api/ui_build.ts";
import {
  advertHex,
  assertNoInjected,
  channelHex,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  SHOTS,
  startHopwatch,
  watchPage,
} from "./e2e_harness.ts";

const XSS = ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>', "javascript:alert(1)"];

/** Console noise that is not an application error. */
Deno.test({
  name: "UI end to end on the real server",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const server = await startHopwatch(FIXTURE);
    const browser = await launchBrowser();
    const errors: string[] = [];
    const base = server.base;
    try {
      const xssKeys: string[] = [];
      await t.step("ingest hostile adverts and channel messages", async () => {
        for (const [i, name] of XSS.entries()) {
          const a = await advertHex(
            name,
            i === 1 ? "repeater" : "companion",
            37.4 + i * 0.05,
            -122.0 - i * 0.05,
          );
          await postPacket(base, a.hex);
          xssKeys.push(a.publicKey);
          await postPacket(base, channelHex(name, `${name} says hi`));
          await postPacket(base, channelHex(name, `${name} on test`, "#test"));
        }
      });

      const ctx = await browser.newContext({ viewport: { width: 1400, height: 850 } });
      const page = await ctx.newPage();
      watchPage(page, errors);
      const visit = async (route: string, ready: string) => {
        await page.goto(`${base}/${route}`);
        await page.waitForSelector(ready, { timeout: 10_000 });
      };

      await t.step("every page loads", async () => {
        await visit("#/packets", ".vt-row:not(.vt-pending)");
        await visit("#/live", ".leaflet-container");
        await visit("#/nodes", ".vt-row");
        await visit("#/map", ".leaflet-container");
        await visit("#/channels", ".msg");
        await visit("#/observers", "table.tbl tbody tr");
        await visit("#/analytics", ".uplot, .state-empty");
        await visit("#/analytics?tab=rf", ".panel");
        await visit("#/analytics?tab=subpaths", ".panel, .state-error");
        await visit("#/analytics?tab=hashes", ".panel");
        const firstObserver = await page.evaluate(async () =>
          (await (await fetch("/api/observers")).json()).observers[0]?.id
        );
        await visit(`#/observers/${encodeURIComponent(firstObserver)}`, ".kv");
        assert.deepEqual(errors, []);
      });

      await t.step("filter the packet table and open a detail", async () => {
        await visit("#/packets", ".vt-row:not(.vt-pending)");
        await page.selectOption('select[name="type"]', "4");
        await page.waitForFunction(() => location.hash.includes("type=4"));
        await page.waitForFunction(() => {
          const cells = [...document.querySelectorAll(".vt-row:not(.vt-pending) .tcell")];
          return cells.length > 0 && cells.every((c) => c.textContent === "ADVERT");
        });
        await page.click(".vt-row:not(.vt-pending)");
        await page.waitForSelector(".detail .hex-grid");
        await page.waitForSelector(".detail .hex-legend li");
        assert.match(page.url(), /sel=[0-9a-f]{16}/);
        const text = await page.textContent(".detail");
        assert.match(text ?? "", /Observations \(\d+\)/);
        await page.goBack();
        await page.waitForFunction(() => !location.hash.includes("sel="));
        await page.waitForFunction(() => document.querySelector(".detail")?.hasAttribute("hidden"));
      });

      await t.step("decode your own packet", async () => {
        await visit("#/packets?decode=1", ".decode-box textarea");
        await page.fill(".decode-box textarea", channelHex("e2e", "decode me"));
        await page.click(".decode-box .btn.pri");
        await page.waitForSelector(".decode-out .hex-grid");
      });

      await t.step("a node's Paths tab", async () => {
        const pk = await page.evaluate(async () => {
          const r = await (await fetch("/api/nodes?limit=200&role=repeater")).json();
          for (const n of r.nodes) {
            const p = await fetch(`/api/nodes/${n.public_key}/paths`);
            if (p.ok && (await p.json()).paths?.length) return n.public_key as string;
          }
          return null;
        });
        assert.ok(pk, "a repeater with paths in the fixture");
        await visit(`#/nodes/${pk}`, ".tabs");
        await page.click('.tabs a:has-text("Paths")');
        await page.waitForSelector("table.paths tbody tr");
        assert.match(page.url(), /tab=paths/);
      });

      await t.step("a POSTed packet reaches Packets and Live within 2 s", async () => {
        const live = await ctx.newPage();
        watchPage(live, errors);
        await live.goto(`${base}/#/live`);
        await live.waitForSelector(".conn.open");
        await visit("#/packets", ".vt-row:not(.vt-pending)");
        await page.waitForSelector(".conn.open");
        const name = `e2e-live-${crypto.randomUUID().slice(0, 8)}`;
        const a = await advertHex(name, "companion");
        const t0 = Date.now();
        await postPacket(base, a.hex);
        await Promise.all([
          page.waitForSelector(`.vt-row:has-text("${name}")`, { timeout: 2000 }),
          live.waitForSelector(`.feed-list li:has-text("${name}")`, { timeout: 2000 }),
        ]);
        assert.ok(Date.now() - t0 <= 2000);
        await live.close();
      });

      await t.step("channels show decrypted messages, hostile text as text", async () => {
        await visit("#/channels", ".msg");
        const names = await page.$$eval(".chan-list a b", (els) => els.map((e) => e.textContent));
        assert.ok(names.length > 0);
        const pub = await page.$$eval(
          ".chan-list a",
          (els) => els.map((e) => e.getAttribute("href")),
        );
        for (const href of pub) assert.match(href ?? "", /^#\/channels\?ch=/);
        for (const href of pub) {
          await page.goto(`${base}/${href}`);
          await page.waitForSelector(".chat h2");
          await assertNoInjected(page, href!);
        }
        const hostile = await page.evaluate(async (xss) => {
          const chans = (await (await fetch("/api/channels")).json()).channels;
          let found = 0;
          for (const c of chans) {
            const m =
              await (await fetch(`/api/channels/${encodeURIComponent(c.hash)}/messages?limit=500`))
                .json();
            found += m.messages.filter((x: { text: string }) =>
              xss.some((s) => x.text?.includes(s))
            ).length;
          }
          return found;
        }, XSS);
        assert.ok(hostile >= 3, `hostile channel messages decrypted: ${hostile}`);
        await page.goto(`${base}/#/channels`);
        await page.waitForSelector(".msg");
        const shown = await page.$$eval(
          ".msg .who, .msg .txt",
          (els) => els.map((e) => e.textContent ?? ""),
        );
        assert.ok(
          XSS.some((s) => shown.some((x) => x.includes(s))),
          "hostile text shown literally",
        );
      });

      await t.step("hostile node names render as text on every page", async () => {
        const routes = [
          "#/packets",
          "#/packets?type=4",
          "#/live",
          `#/nodes?q=${encodeURIComponent("<img")}`,
          "#/nodes",
          "#/map",
          "#/observers",
          "#/analytics?tab=hashes",
          ...xssKeys.flatMap((
            k,
          ) => [`#/nodes/${k}`, `#/nodes/${k}?tab=paths`, `#/nodes/${k}?tab=neighbors`]),
        ];
        for (const r of routes) {
          await page.goto(`${base}/${r}`);
          await page.waitForTimeout(600);
          await assertNoInjected(page, r);
        }
        await page.goto(`${base}/#/nodes/${xssKeys[0]}`);
        await page.waitForSelector("h2");
        assert.equal(await page.textContent("h2 >> nth=0").then((s) => s?.includes(XSS[0])), true);
        await page.goto(`${base}/#/packets?type=4`);
        await page.waitForSelector(`.vt-row:has-text("${XSS[0]}")`);
        await page.fill(".gsearch", "script");
        await page.waitForSelector(".gresults a");
        await assertNoInjected(page, "global search");
        assert.deepEqual(errors, []);
      });

      await t.step("screenshots at desktop and phone size", async () => {
        const routes: [string, string][] = [
          ["packets", "#/packets"],
          [
            "packet-detail",
            "#/packets?type=4&sel=" +
            (await page.evaluate(async () =>
              (await (await fetch("/api/packets?limit=1&type=4")).json()).packets[0].hash
            )),
          ],
          ["live", "#/live"],
          ["nodes", "#/nodes"],
          ["node-detail", `#/nodes/${xssKeys[1]}`],
          ["map", "#/map"],
          ["channels", "#/channels"],
          ["observers", "#/observers"],
          ["analytics", "#/analytics"],
        ];
        for (
          const [kind, vp, scheme] of [["desktop", { width: 1400, height: 850 }, "light"], [
            "phone",
            { width: 390, height: 844 },
            "dark",
          ]] as const
        ) {
          const c = await browser.newContext({
            viewport: vp,
            colorScheme: scheme,
            deviceScaleFactor: 1,
          });
          const p = await c.newPage();
          watchPage(p, errors);
          for (const [name, route] of routes) {
            await p.goto(`${base}/${route}`);
            await p.waitForTimeout(1200);
            await p.screenshot({ path: new URL(`${kind}-${name}.png`, SHOTS).pathname });
          }
          await c.close();
        }
        assert.deepEqual(errors, []);
      });
      await ctx.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
