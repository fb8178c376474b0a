/**
 * A cheap yield to the event loop for work sliced beside a serving HTTP
 * server (the startup load and its follow-up steps).
 *
 * `setTimeout(r, 0)` waits for the timer wheel: ~2 ms a call on Deno 2.9, so
 * a load yielding every 4 ms ran a third slower. `setImmediate` and a
 * `MessageChannel` are cheap but never poll I/O: HTTP requests starved behind
 * them.
 *
 * While a holder keeps it open ({@linkcode holdIoTurns}), a yield is a byte
 * sent through a loopback TCP pair of this process and read back, twice: the
 * read can only complete once the runtime has polled its sockets, so every
 * yield polls I/O, and two polls take a request arriving during a slice
 * through accept and header parsing into its handler within the same yield.
 * Without a holder (or without network permission) a yield is a 1-byte
 * digest, an op that completes on the runtime's blocking pool: cheap
 * (~0.05 ms), but it can complete before the runtime looks at its sockets, and
 * on a busy machine requests then waited whole seconds. Measured in one
 * process (`Deno.serve` answering in 3 ms while a loop works in 4 ms slices,
 * a client process sending a request every 100-150 ms on a new connection,
 * load average 2-3): from the client's send to the handler, digest p50
 * 7-24 / max 1,129-1,440 ms; one loopback round trip p50 6.2-7.6 / max
 * 17-38 ms; two round trips (this) p50 1.7-2.7 / p90 4.0-4.6 ms; a yield
 * costs 0.02-0.03 ms either way.
 *
 * @module
 */

const ONE_BYTE = new Uint8Array(1);

/** The loopback pair while held: bytes go out on `tx` and come back on `rx`. */
interface Loopback {
  tx: Deno.Conn;
  rx: Deno.Conn;
  buf: Uint8Array;
  /** The round trip in progress: concurrent yields share it. */
  trip: Promise<void> | null;
}

let loop: Loopback | null = null;
let opening: Promise<void> | null = null;
let holders = 0;

async function open(): Promise<void> {
  let listener: Deno.TcpListener | null = null;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    accepted.catch(() => {}); // rejected when the connect below fails and the listener closes
    const tx = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const rx = await accepted;
    tx.setNoDelay(true);
    if (holders > 0) loop = { tx, rx, buf: new Uint8Array(64), trip: null };
    else {
      tx.close();
      rx.close();
    }
  } catch {
    // No network permission or no loopback: the digest yield below still works.
  } finally {
    listener?.close();
  }
}

function close(l: Loopback): void {
  for (const c of [l.tx, l.rx]) {
    try {
      c.close();
    } catch { /* already closed */ }
  }
}

function roundTrip(l: Loopback): Promise<void> {
  if (l.trip) return l.trip;
  l.trip = (async () => {
    try {
      await l.tx.write(ONE_BYTE);
      await l.rx.read(l.buf);
    } catch {
      // The pair broke, or was closed under us: later yields fall back to the digest.
      if (loop === l) {
        loop = null;
        close(l);
      }
    } finally {
      l.trip = null;
    }
  })();
  return l.trip;
}

/**
 * Makes {@linkcode nextTurn} poll I/O through a loopback pair until the
 * returned release function was called (every holder must release: the last
 * one closes the pair, so nothing stays open after the sliced work).
 */
export async function holdIoTurns(): Promise<() => Promise<void>> {
  holders++;
  if (!loop) {
    opening ??= open().finally(() => (opening = null));
    await opening;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    holders--;
    if (holders > 0 || !loop) return;
    const l = loop;
    loop = null;
    await l.trip;
    close(l);
  };
}

/** Resolves on a later turn of the event loop, after pending I/O was polled (see the module doc). */
export async function nextTurn(): Promise<void> {
  const l = loop;
  if (!l) {
    await crypto.subtle.digest("SHA-256", ONE_BYTE);
    return;
  }
  await roundTrip(l);
  if (loop === l) await roundTrip(l);
}

/**
 * A slice clock for work done beside a serving HTTP server: each call awaits
 * {@linkcode nextTurn} once `sliceMs` have passed since the last yield, and
 * otherwise returns at once. Call it between units of work.
 */
export function sliceClock(sliceMs: number): () => Promise<void> {
  let t0 = performance.now();
  return async () => {
    if (performance.now() - t0 < sliceMs) return;
    await nextTurn();
    t0 = performance.now();
  };
}

/**
 * Runs a generator that pauses (`yield`) between small steps to its end, yielding to the event
 * loop whenever `sliceMs` have passed; returns the generator's result.
 */
export async function drainSliced<T>(steps: Generator<void, T>, sliceMs: number): Promise<T> {
  const tick = sliceClock(sliceMs);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await tick();
  }
}
