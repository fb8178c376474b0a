/**
 * LoRa time on air (the public Semtech formula: preamble plus payload symbols
 * with explicit header and CRC, low-data-rate optimisation when a symbol lasts
 * 16 ms or more) and the radio preset used for airtime shares.
 *
 * @module
 */

/** A LoRa radio preset as `/api/analytics/relay-airtime-share` reports it. */
export interface LoraPreset {
  freq_hz: number;
  bw_khz: number;
  sf: number;
  /** Coding-rate denominator 5-8 (4/5 .. 4/8). */
  cr: number;
  /** Preamble symbols. */
  preamble: number;
}

/** MeshCore's common EU narrow preset (869.6 MHz, 62.5 kHz, SF8, CR 4/5). */
export const DEFAULT_PRESET: LoraPreset = {
  freq_hz: 869_600_000,
  bw_khz: 62.5,
  sf: 8,
  cr: 5,
  preamble: 32,
};

/** Time on air of a `bytes`-byte packet in nanoseconds. */
export function timeOnAirNs(bytes: number, p: LoraPreset = DEFAULT_PRESET): number {
  const symbolS = 2 ** p.sf / (p.bw_khz * 1000);
  const lowRate = symbolS >= 0.016 ? 1 : 0;
  const bits = 8 * bytes - 4 * p.sf + 28 + 16;
  const payloadSymbols = 8 +
    Math.max(Math.ceil(bits / (4 * (p.sf - 2 * lowRate))) * p.cr, 0);
  return Math.round(((p.preamble + 4.25) + payloadSymbols) * symbolS * 1e9);
}
