/**
 * The body of `GET /api/nodes` as bytes, assembled from per-node UTF-8 texts
 * (`nodeJsonBytes`) and remembered per query: while every node on the page
 * kept its text (the same array) and the total and role counts are unchanged,
 * the previous body is answered again. At 2,000 nodes that avoids, per request,
 * building a 1.1 MB string (which goes straight to V8's old generation and
 * brings the major collections that made the list's p99) and encoding it.
 * When some nodes changed, only their texts were re-encoded; the body is one
 * copy of the pieces into a new array. Bodies are never mutated once built, so
 * a response may hold one while a later request builds the next.
 *
 * @module
 */

const UTF8 = new TextEncoder();
const OPEN = UTF8.encode('{"nodes":[');
const COMMA = 0x2c;

/** A remembered body and the pieces it was assembled from. */
interface Entry {
  pieces: Uint8Array[];
  tail: string;
  body: Uint8Array<ArrayBuffer>;
}

/** Bodies of the node list by query (a few queries at most, least recently used dropped). */
export class NodeListBodies {
  #entries = new Map<string, Entry>();
  #max: number;
  /** Bodies built (not reused), for tests. */
  built = 0;

  /** Keeps at most `max` queries' bodies (default 8). */
  constructor(max = 8) {
    this.#max = max;
  }

  /**
   * `{"nodes":[<pieces joined by ",">]<tail>` as bytes, where `tail` is the rest of the object
   * (`],"total":…}`); the same array as the last call for `key` when nothing changed.
   */
  body(key: string, pieces: Uint8Array[], tail: string): Uint8Array<ArrayBuffer> {
    const last = this.#entries.get(key);
    if (last) {
      this.#entries.delete(key);
      if (last.tail === tail && samePieces(last.pieces, pieces)) {
        this.#entries.set(key, last);
        return last.body;
      }
    }
    const tailBytes = UTF8.encode(tail);
    let size = OPEN.length + tailBytes.length + Math.max(0, pieces.length - 1);
    for (const p of pieces) size += p.length;
    const body = new Uint8Array(size);
    body.set(OPEN, 0);
    let at = OPEN.length;
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) body[at++] = COMMA;
      body.set(pieces[i], at);
      at += pieces[i].length;
    }
    body.set(tailBytes, at);
    this.built++;
    this.#entries.set(key, { pieces, tail, body });
    if (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return body;
  }
}

function samePieces(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
