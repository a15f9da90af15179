/**
 * FNV-1a over a byte range: the hash of the name indexes, which hash names straight from
 * string sections without decoding them.
 * @module
 */

/** FNV-1a 32-bit offset basis and prime, for loops that hash incrementally. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** The 32-bit FNV-1a hash of `bytes[start, end)`. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}
