/**
 * Hands batch flushes to their clients a slice at a time (see `WsHub.flush`).
 *
 * Each `send` on a Deno WebSocket copies the frame for that one socket and the
 * copy lives until the runtime has written it. Handing a 15 KB frame to 1,000
 * clients in one event-loop turn therefore held 1,000 copies (15 MB) at once,
 * every flush; handing it to `sliceClients` clients per turn lets the runtime
 * write each slice before the next is copied. Flushes are handed in order: every
 * client gets all frames of one flush before any frame of the next. When a flush
 * comes while the previous one is still being handed out (a busy loop: the turns
 * come late), the rest of the previous one is handed at once, as without slices,
 * so slicing never delays a client by more than one flush interval.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Client, SharedFrame } from "./ws_client.ts";

/** A queue of flushes being handed out, `sliceClients` clients per event-loop turn. */
export class FlushSlicer {
  #jobs: { frames: SharedFrame[]; targets: Client[]; next: number }[] = [];
  #queued = false;
  #stopped = false;

  /**
   * `deliver` hands one frame to one client; `handedOut` gets the characters handed in a
   * turn (for the memory accounting).
   */
  constructor(
    private readonly sliceClients: number,
    private readonly deliver: (c: Client, f: SharedFrame) => void,
    private readonly handedOut: (chars: number) => void,
  ) {}

  /** Flushes not yet handed to all their clients. */
  get backlog(): number {
    return this.#jobs.length;
  }

  /** Queues `frames` for `targets` (in this order); the first slice goes out now. */
  push(frames: SharedFrame[], targets: Client[]): void {
    if (this.#stopped || frames.length === 0 || targets.length === 0) return;
    if (this.#jobs.length > 0) this.#run(Infinity); // not keeping up: no slices for the rest
    this.#jobs.push({ frames, targets, next: 0 });
    this.#run(this.sliceClients);
  }

  /** Drops what is not handed yet and hands nothing more. */
  stop(): void {
    this.#stopped = true;
    this.#jobs = [];
  }

  #run(clients: number): void {
    let left = clients;
    let handed = 0;
    while (this.#jobs.length > 0 && left > 0) {
      const job = this.#jobs[0];
      const end = Math.min(job.targets.length, job.next + left);
      const n = end - job.next;
      left -= n;
      for (; job.next < end; job.next++) {
        for (const f of job.frames) this.deliver(job.targets[job.next], f);
      }
      for (const f of job.frames) handed += f.text.length * n;
      if (job.next >= job.targets.length) this.#jobs.shift();
    }
    this.handedOut(handed);
    if (this.#jobs.length > 0 && !this.#stopped && !this.#queued) {
      this.#queued = true;
      setImmediate(() => {
        this.#queued = false;
        this.#run(this.sliceClients);
      });
    }
  }
}
