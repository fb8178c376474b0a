/**
 * Counters of the decode pipeline (after MQTT parsing): what was stored, what
 * was a repeat sighting, and what was dropped, by reason.
 *
 * @module
 */

/** Why the pipeline dropped a packet. */
export type PipelineDropReason =
  | "bad-hex"
  | "decode-error"
  | "invalid-advert"
  | "invalid-signature"
  | "blacklisted-node"
  | "outside-geofilter"
  | "internal-error";

/** Every pipeline drop reason, for metrics. */
export const PIPELINE_DROP_REASONS: readonly PipelineDropReason[] = [
  "bad-hex",
  "decode-error",
  "invalid-advert",
  "invalid-signature",
  "blacklisted-node",
  "outside-geofilter",
  "internal-error",
];

/** Mutable counters, read by stats and metrics. */
export class PipelineCounters {
  stored = 0;
  newTransmissions = 0;
  duplicate = 0;
  status = 0;
  readonly dropped: Record<PipelineDropReason, number> = Object.fromEntries(
    PIPELINE_DROP_REASONS.map((r) => [r, 0]),
  ) as Record<PipelineDropReason, number>;

  /** Counts one drop. */
  drop(reason: PipelineDropReason): void {
    this.dropped[reason]++;
  }

  /** A plain copy for JSON responses. */
  snapshot(): {
    stored: number;
    newTransmissions: number;
    duplicate: number;
    status: number;
    dropped: Record<PipelineDropReason, number>;
  } {
    return {
      stored: this.stored,
      newTransmissions: this.newTransmissions,
      duplicate: this.duplicate,
      status: this.status,
      dropped: { ...this.dropped },
    };
  }
}
