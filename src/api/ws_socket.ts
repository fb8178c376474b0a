/**
 * What the live hub (`ws_hub.ts`) needs of a WebSocket: `WsLibSocket` (npm `ws`
 * on the raw connection, `ws_lib_socket.ts`) has it, and so has a standard
 * `WebSocket` (the hub's unit tests drive plain objects of this shape).
 *
 * @module
 */

/** A server-side WebSocket as the hub drives it. */
export interface LiveSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed (`WebSocket.OPEN` etc.). */
  readonly readyState: number;
  /**
   * Bytes handed to `send` that the server still holds, read exactly; more than the hub's
   * high-water mark makes it queue instead of sending.
   */
  readonly bufferedAmount: number;
  /**
   * The bytes of `bufferedAmount` that are the server's memory, when `bufferedAmount` also
   * holds the client back for other reasons (`WsLibSocket`: over its window of unproven
   * bytes); the hub's memory budget counts these. Absent: `bufferedAmount`.
   */
  readonly memoryBytes?: number;
  /** Sends one text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** `message` listeners get `{data}`; `open`, `close` and `error` listeners no data. */
  addEventListener(type: "message", listener: (ev: { data: unknown }) => void): void;
  /** See above. */
  addEventListener(
    type: "open" | "close" | "error",
    listener: () => void,
    options?: { once?: boolean },
  ): void;
}
