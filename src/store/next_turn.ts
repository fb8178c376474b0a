/**
 * A cheap yield to the event loop for work sliced beside a serving HTTP
 * server (the startup load and its follow-up steps).
 *
 * `setTimeout(r, 0)` waits for the timer wheel: ~2 ms a call on Deno 2.9, so
 * a load yielding every 4 ms ran a third slower. `setImmediate` and a
 * `MessageChannel` are cheap but never poll I/O: HTTP requests starved behind
 * them. An async op that completes at once (a 1-byte digest) costs ~0.05 ms
 * and resolves through the event loop's poll, so pending requests advance a
 * step on every yield (measured with Deno.serve and a client in one process:
 * `setTimeout` 2.16 ms a yield, 2,593-3,915 requests in 1.5 s of 4 ms slices;
 * digest 0.047 ms, 175 requests; `MessageChannel` 0.03 ms, 6 requests).
 *
 * @module
 */

const ONE_BYTE = new Uint8Array(1);

/** Resolves on a later turn of the event loop, after pending I/O was polled once. */
export function nextTurn(): Promise<unknown> {
  return crypto.subtle.digest("SHA-256", ONE_BYTE);
}
