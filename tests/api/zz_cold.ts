import { makeApp } from "./helpers.ts";
const db = Deno.args[0];
const t = await makeApp(db ? { db } : {});
for (
  const u of [
    "/api/analytics/rf",
    "/api/analytics/topology",
    "/api/analytics/channels",
    "/api/analytics/hash-sizes",
    "/api/analytics/hash-collisions",
    "/api/analytics/relay-airtime-share",
    "/api/analytics/roles",
    "/api/analytics/subpaths-bulk?groups=2-2:50,3-3:30,4-4:20,5-8:15",
    "/api/audio-lab/buckets",
    "/api/perf",
    "/api/analytics/rf",
  ]
) {
  const t0 = performance.now();
  const r = await t.app.request(u);
  await r.arrayBuffer();
  console.log(r.status, Math.round(performance.now() - t0), "ms", u);
}
await t.close();
