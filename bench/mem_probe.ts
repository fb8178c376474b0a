/**
 * Where a server process's memory is, for the benchmarks: V8's heap (`Deno.memoryUsage`)
 * and the native allocator's view (glibc `mallinfo2()` through FFI: bytes in use, bytes
 * freed but kept, bytes in direct mmaps). RSS minus V8 minus the allocator's heap is
 * the rest (code, stacks, the runtime's own mappings).
 *
 * Used by `bench/ws_bench.ts` (server mode) to split the RSS growth while fed; the
 * allocator fields are absent where there is no glibc (`nativeHeap` returns null).
 *
 * @module
 */

/** One memory sample, in bytes. */
export interface MemorySample {
  rss: number;
  /** V8 heap reserved (committed pages of all spaces). */
  heapTotal: number;
  heapUsed: number;
  /** Memory of ArrayBuffers and other objects V8 tracks outside its heap. */
  external: number;
  /** glibc: bytes handed out by malloc and not freed (sbrk heap + mmapped chunks). */
  mallocInUse?: number;
  /** glibc: bytes freed inside the sbrk heap and kept by the allocator. */
  mallocFree?: number;
  /** glibc: bytes in chunks mmapped on their own (at least the mmap threshold each). */
  mallocMmapped?: number;
}

type Mallinfo = { symbols: { mallinfo2: () => Uint8Array } };

let lib: Mallinfo | null | undefined;

/** glibc's `mallinfo2()` (bytes in use, free in heap, mmapped), or null where unavailable. */
export function nativeHeap(): { inUse: number; free: number; mmapped: number } | null {
  if (lib === undefined) {
    try {
      lib = Deno.dlopen("libc.so.6", {
        mallinfo2: { parameters: [], result: { struct: Array(10).fill("usize") } },
      }) as unknown as Mallinfo;
    } catch {
      lib = null;
    }
  }
  if (lib === null) return null;
  const raw = lib.symbols.mallinfo2();
  const f = new BigUint64Array(raw.buffer, raw.byteOffset, 10);
  // Fields: arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost.
  const mmapped = Number(f[4]);
  return { inUse: Number(f[7]) + mmapped, free: Number(f[8]), mmapped };
}

/** A sample of RSS, V8's heap and (with glibc) the native allocator. */
export function memorySample(): MemorySample {
  const m = Deno.memoryUsage();
  const n = nativeHeap();
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    ...(n ? { mallocInUse: n.inUse, mallocFree: n.free, mallocMmapped: n.mmapped } : {}),
  };
}

/** Field-wise maximum of two samples. */
export function maxSample(a: MemorySample, b: MemorySample): MemorySample {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof MemorySample)[]) {
    out[k] = Math.max(a[k] ?? 0, b[k] ?? 0);
  }
  return out;
}

/** A sample in MB (one decimal). */
export function sampleMB(s: MemorySample): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) out[k] = Math.round(v / 1e5) / 10;
  return out;
}
