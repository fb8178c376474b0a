/**
 * The Analytics area views' pure helper: hourly counts from
 * `/api/analytics/rf` (`packetsPerHour`) summed into hours, days or weeks by
 * the span they cover; malformed hour keys are skipped.
 */
import assert from "node:assert/strict";
import { overTime } from "../../static/pages/analytics_area_builtin.ts";

const s = (iso: string) => Date.parse(iso) / 1000;

Deno.test("overTime: a short span stays hourly", () => {
  const r = overTime([
    { hour: "2026-12-01T10", count: 2 },
    { hour: "2026-12-01T13", count: 5 },
  ]);
  assert.equal(r.unit, "hour");
  assert.deepEqual(r.x, [s("2026-12-01T10:00:00Z"), s("2026-12-01T13:00:00Z")]);
  assert.deepEqual(r.counts, [2, 5]);
});

Deno.test("overTime: a month sums per day, half a year per week; bad keys skipped", () => {
  const days = overTime([
    { hour: "2026-11-01T01", count: 1 },
    { hour: "2026-11-01T23", count: 2 },
    { hour: "not-an-hour", count: 99 },
    { hour: "2026-11-20T05", count: 4 },
  ]);
  assert.equal(days.unit, "day");
  assert.deepEqual(days.x, [s("2026-11-01T00:00:00Z"), s("2026-11-20T00:00:00Z")]);
  assert.deepEqual(days.counts, [3, 4]);
  const weeks = overTime([
    { hour: "2026-05-14T00", count: 1 },
    { hour: "2026-05-15T00", count: 1 },
    { hour: "2026-12-01T00", count: 1 },
  ]);
  assert.equal(weeks.unit, "week");
  assert.equal(weeks.counts.reduce((a, b) => a + b, 0), 3);
  assert.ok(weeks.x.every((x) => x % (7 * 86400) === 0));
  assert.deepEqual(overTime([]), { x: [], counts: [], unit: "hour" });
});
