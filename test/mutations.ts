/**
 * The corruptions the fuzz tests share. Each draws from the test's seeded generator
 * (`seededRandom`), so a failing case replays from its seed.
 */

/** A whole number in [0, n), drawn from `rand`. */
export function below(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/** Flips one to four random bits of `b`, in place. */
export function flipBits(b: Uint8Array, rand: () => number): void {
  for (let i = 0, n = 1 + below(rand, 4); i < n; i++) b[below(rand, b.length)]! ^= 1 << below(rand, 8);
}

/** Writes one of `edges`, a 32-bit word in the given byte order, at a random aligned offset of `b`. */
export function writeEdgeWord(b: Uint8Array, rand: () => number, edges: readonly number[], littleEndian: boolean): void {
  const off = below(rand, b.length - 4) & ~3;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, edges[below(rand, edges.length)]!, littleEndian);
}

/** `b` cut at a random length. */
export function truncated(b: Uint8Array, rand: () => number): Uint8Array {
  return b.subarray(0, below(rand, b.length));
}
