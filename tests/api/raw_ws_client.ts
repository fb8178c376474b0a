/**
 * A WebSocket client over raw TCP for the live-feed tests and `bench/ws_bench.ts`:
 * it does the handshake, then reads frames only when told to, so a test can
 * stall it (the server then sees real TCP backpressure). It counts packet
 * frames and `{"type":"lag"}` notices, answers pings, records the close code,
 * and can sample delivery latency from each frame's `timestamp`.
 *
 * @module
 */

const enc = new TextEncoder();
const dec = new TextDecoder();
const LAG_BYTE = "l".charCodeAt(0);
const ARRAY_BYTE = "[".charCodeAt(0);

/**
 * A raw-TCP WebSocket client. One fixed buffer per client; frames are
 * recognised by their header and the 10th payload byte (`{"type":"lag"` vs
 * `{"type":"packet"`), so only probe clients decode text.
 */
export class RawWsClient {
  /** Packet frames received. */
  frames = 0;
  /** Text frames other than lag notices, kept when `keepText` (tests). */
  texts: string[] = [];
  keepText = false;
  lags = 0;
  dropped = 0;
  /** Pings received (each answered). */
  pings = 0;
  /** Batch frames (JSON arrays, `/ws?batch=1`) received, lag notices excluded. */
  batches = 0;
  /** Payload bytes of the batch frames. */
  batchBytes = 0;
  closeCode = 0;
  latencies: number[] = [];
  /** Probes: latency of the first (oldest) message of each frame (batch or plain). */
  firstLatencies: number[] = [];
  #buf = new Uint8Array(256 * 1024);
  #start = 0;
  #end = 0;
  #conn!: Deno.TcpConn;

  /** `probe`: decode every frame's `timestamp` to sample latency. */
  constructor(readonly probe: boolean) {}

  /** Connects to `/ws` on 127.0.0.1:`port` and completes the handshake. */
  async connect(port: number, path = "/ws"): Promise<void> {
    this.#conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await this.#conn.write(enc.encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      if (!(await this.#more())) throw new Error("Cannot open WebSocket: connection closed");
      head = dec.decode(this.#buf.subarray(0, Math.min(this.#end, 1024)));
    }
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new Error(`Cannot open WebSocket: ${head.split("\r\n")[0]}`);
    }
    this.#start = head.indexOf("\r\n\r\n") + 4;
  }

  async #more(): Promise<boolean> {
    if (this.#start > 0 && this.#end > this.#buf.length / 2) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf.subarray(0, this.#end));
      this.#buf = bigger;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end)).catch(() => null);
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  #parse(): void {
    const b = this.#buf;
    let p = this.#start;
    while (this.#end - p >= 2) {
      let len = b[p + 1] & 0x7f;
      let off = p + 2;
      if (len === 126) {
        if (this.#end - p < 4) break;
        len = (b[p + 2] << 8) | b[p + 3];
        off = p + 4;
      } else if (len === 127) {
        if (this.#end - p < 10) break;
        len = Number(new DataView(b.buffer, b.byteOffset + p + 2, 8).getBigUint64(0));
        off = p + 10;
      }
      if (this.#end < off + len) break;
      const op = b[p] & 0x0f;
      if (op === 9) this.#pong(b.slice(off, off + len));
      else if (op === 8) this.closeCode = len >= 2 ? (b[off] << 8) | b[off + 1] : 1005;
      else if (op === 1 && b[off] === ARRAY_BYTE) this.#batch(b.subarray(off, off + len));
      else if (op === 1) {
        if (b[off + 9] === LAG_BYTE) {
          this.lags++;
          this.dropped += JSON.parse(dec.decode(b.subarray(off, off + len))).dropped;
        } else {
          if (this.keepText) this.texts.push(dec.decode(b.subarray(off, off + len)));
          this.frames++;
          if (this.probe) {
            const text = dec.decode(b.subarray(off, off + len));
            const i = text.indexOf('"timestamp":"', text.indexOf('"first_seen"') + 14);
            if (i > 0) {
              const ms = Date.now() - Date.parse(text.slice(i + 13, i + 37));
              this.latencies.push(ms);
              this.firstLatencies.push(ms);
            }
          }
        }
      }
      p = off + len;
    }
    this.#start = p;
    if (p === this.#end) this.#start = this.#end = 0;
  }

  /**
   * A batch frame: lag notices are counted as such; packet batches count as frames only
   * when decoded (probe clients and `keepText`), otherwise by bytes.
   */
  #batch(payload: Uint8Array): void {
    if (payload[10] === LAG_BYTE) {
      this.lags++;
      this.dropped += JSON.parse(dec.decode(payload))[0].dropped;
      return;
    }
    this.batches++;
    this.batchBytes += payload.length;
    if (!this.probe && !this.keepText) return;
    const text = dec.decode(payload);
    if (this.keepText) this.texts.push(text);
    const msgs = JSON.parse(text) as { data: { timestamp: string } }[];
    this.frames += msgs.length;
    if (!this.probe) return;
    const now = Date.now();
    for (const m of msgs) this.latencies.push(now - Date.parse(m.data.timestamp));
    if (msgs.length > 0) this.firstLatencies.push(now - Date.parse(msgs[0].data.timestamp));
  }

  /** Answers a ping (client frames are masked; a zero mask keeps the payload as is). */
  #pong(payload: Uint8Array): void {
    this.pings++;
    const frame = new Uint8Array(6 + payload.length);
    frame[0] = 0x8a;
    frame[1] = 0x80 | payload.length;
    frame.set(payload, 6);
    this.#conn.write(frame).catch(() => {});
  }

  /**
   * Sends a tiny text frame every 10 s without reading anything: stands in for a
   * browser answering keepalive pings while its page never consumes frames, so
   * the server's idle timeout does not close the socket first.
   */
  keepalive(): ReturnType<typeof setInterval> {
    const frame = Uint8Array.of(0x81, 0x82, 0, 0, 0, 0, 0x7b, 0x7d); // masked "{}"
    return setInterval(() => this.#conn.write(frame).catch(() => {}), 10_000);
  }

  /** Reads and counts frames until `until()` is true or the peer closes. */
  async run(until: () => boolean): Promise<void> {
    this.#parse();
    while (!until() && this.closeCode === 0) {
      if (!(await this.#more())) break;
      this.#parse();
    }
  }

  /** Closes the TCP connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}
