import assert from "node:assert/strict";
import {
  checkFigure,
  checkText,
  figureOrNaN,
  isObserverId,
  RANGES,
  validatePacketFields,
  validateStatusFields,
} from "../../src/ingest/validate.ts";

Deno.test("validate: figures inside their range pass, edges included; outside or non-finite refused", () => {
  assert.equal(checkFigure("snr", null), null);
  assert.equal(checkFigure("snr", RANGES.snr.min), null);
  assert.equal(checkFigure("snr", RANGES.snr.max), null);
  for (const v of [50.01, -50.01, 1e300, -1e300, Infinity, -Infinity, NaN]) {
    const r = checkFigure("snr", v);
    assert.equal(r?.reason, "out-of-range", String(v));
    assert.equal(r?.field, "snr");
  }
  assert.match(checkFigure("rssi", -201)!.detail, /rssi "-201" is outside -200..50 dBm/);
});

Deno.test("validate: text caps and control characters", () => {
  assert.equal(checkText("observerName", "N".repeat(128)), null);
  assert.equal(checkText("observerName", "N".repeat(129))?.reason, "too-long");
  assert.equal(checkText("observerName", "a\u0000b")?.reason, "bad-text");
  assert.equal(checkText("observerName", "a\u007fb")?.reason, "bad-text");
  assert.equal(checkText("observerName", "<script>🚫"), null);
  assert.equal(checkText("iata", "SJC"), null);
  assert.equal(checkText("iata", "X".repeat(17))?.reason, "too-long");
});

Deno.test("validate: one observer-id rule", () => {
  for (const ok of ["1E598D0F", "my observer #1", "<b>", "ÄÖ🚫", "a.b:c-d_e", "x".repeat(128)]) {
    assert.ok(isObserverId(ok), ok);
  }
  for (const bad of ["", " a", "a ", "a,b", "a/b", "a%2f", "x".repeat(129), "a\nb", "a\u0000"]) {
    assert.ok(!isObserverId(bad), JSON.stringify(bad));
  }
});

Deno.test("validate: packet and status messages name their first refused field", () => {
  const packet = {
    observerId: "OBS",
    observerName: "name",
    iata: "SJC",
    direction: "rx",
    snr: 1,
    rssi: -90,
    score: null,
  };
  assert.equal(validatePacketFields(packet), null);
  assert.equal(validatePacketFields({ ...packet, rssi: 1e300 })?.field, "rssi");
  assert.equal(validatePacketFields({ ...packet, observerId: "a,b" })?.reason, "bad-observer-id");
  const status = {
    observerId: "OBS",
    name: "n",
    iata: null,
    model: null,
    firmware: null,
    clientVersion: null,
    radio: null,
    batteryMv: 4000,
    uptimeSecs: 60,
    noiseFloor: -110,
    txAirSecs: null,
    rxAirSecs: null,
    recvErrors: null,
    packetsSent: null,
    packetsRecv: 5,
  };
  assert.equal(validateStatusFields(status), null);
  assert.equal(validateStatusFields({ ...status, uptimeSecs: -1e308 })?.field, "uptimeSecs");
  assert.equal(validateStatusFields({ ...status, packetsRecv: -5 })?.field, "packetsRecv");
  assert.equal(validateStatusFields({ ...status, model: "M".repeat(500) })?.reason, "too-long");
});

Deno.test("validate: stored figures outside their range read as absent", () => {
  assert.equal(figureOrNaN("snr", 5.25), 5.25);
  assert.ok(Number.isNaN(figureOrNaN("snr", 1e300)));
  assert.ok(Number.isNaN(figureOrNaN("rssi", -1e300)));
  assert.ok(Number.isNaN(figureOrNaN("score", null)));
});
