/**
 * Counters of the decode pipeline (after MQTT parsing): what was stored, what
 * was a repeat sighting, and what was dropped, by reason.
 *
 * @module
 */

import { REFUSAL_REASONS, type RefusalReason } from "./validate.ts";

/** Why the pipeline dropped a packet or a status message. */
export type PipelineDropReason =
  | RefusalReason
  | "bad-hex"
  | "decode-error"
  | "invalid-advert"
  | "invalid-signature"
  | "blacklisted-node"
  | "outside-geofilter"
  | "internal-error";

/** Every pipeline drop reason, for metrics. */
export const PIPELINE_DROP_REASONS: readonly PipelineDropReason[] = [
  ...REFUSAL_REASONS,
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
  /** The message of the latest `internal-error` (an exception caught inside the pipeline). */
  lastInternalError: string | null = null;
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
    lastInternalError: string | null;
  } {
    return {
      stored: this.stored,
      newTransmissions: this.newTransmissions,
      duplicate: this.duplicate,
      status: this.status,
      dropped: { ...this.dropped },
      lastInternalError: this.lastInternalError,
    };
  }
}
