/**
 * A hash index over the strings of many string sections at once (every module's), built from
 * the raw bytes without decoding a string: a name maps to the sections, and the offsets in
 * them, that hold it. Built once, it answers in microseconds what a byte search over all
 * sections answers in milliseconds.
 * @module
 */
import { ELEM_SIZE, INFO_SIZE, MAX_KNOWN_KIND } from '../btf/kinds.js';
import { FNV_OFFSET, FNV_PRIME, fnv1a } from '../internal/hash.js';

/** One place a string was found: which section, at which local offset. */
export interface StringHit {
  readonly table: number;
  readonly offset: number;
}

/** Name → (section, offset) over a fixed list of string sections. */
export class StringIndex {
  readonly #tables: readonly Uint8Array[];
  readonly #mask: number;
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #table: Int32Array;
  readonly #offset: Int32Array;
  /** Number of strings indexed. */
  readonly size: number;

  /** Indexes every non-empty string of every section in `tables`. */
  constructor(tables: readonly Uint8Array[]) {
    this.#tables = tables;
    // One entry per string: count them first (the NULs), so nothing grows.
    let count = 0;
    for (const t of tables) {
      const n = t.byteLength;
      let start = 0;
      for (let i = 0; i < n; i++) {
        if (t[i] !== 0) continue;
        if (i > start) count++;
        start = i + 1;
      }
    }
    let size = 16;
    while (size < count) size *= 2;
    const mask = size - 1;
    const heads = new Int32Array(size);
    const next = new Int32Array(count);
    const table = new Int32Array(count);
    const offset = new Int32Array(count);
    let k = 0;
    for (let t = 0; t < tables.length; t++) {
      const bytes = tables[t]!;
      const n = bytes.byteLength;
      let start = 0;
      let h = FNV_OFFSET;
      for (let i = 0; i < n; i++) {
        const b = bytes[i]!;
        if (b !== 0) {
          h = Math.imul(h ^ b, FNV_PRIME);
          continue;
        }
        if (i > start) {
          const bucket = (h >>> 0) & mask;
          next[k] = heads[bucket]!;
          heads[bucket] = k + 1;
          table[k] = t;
          offset[k] = start;
          k++;
        }
        start = i + 1;
        h = FNV_OFFSET;
      }
    }
    this.#mask = mask;
    this.#heads = heads;
    this.#next = next;
    this.#table = table;
    this.#offset = offset;
    this.size = k;
  }

  /** Every (section, offset) whose string equals `name` (UTF-8 bytes, no NUL), in section order. */
  lookup(name: Uint8Array): StringHit[] {
    const out: StringHit[] = [];
    const len = name.byteLength;
    if (len === 0) return out;
    for (let k = this.#heads[fnv1a(name, 0, len) & this.#mask]! - 1; k >= 0; k = this.#next[k]! - 1) {
      const bytes = this.#tables[this.#table[k]!]!;
      const off = this.#offset[k]!;
      if (off + len >= bytes.byteLength || bytes[off + len] !== 0) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (bytes[off + i] !== name[i]) {
          same = false;
          break;
        }
      }
      if (same) out.push({ table: this.#table[k]!, offset: off });
    }
    // Chains run newest first.
    return out.reverse();
  }
}

/**
 * The name offsets below `limit` (that is, into the base's strings) that the type records of a
 * split blob's type section use, or `undefined` when a record cannot be walked (an unknown kind):
 * then the caller must assume the blob may use any.
 */
export function baseNameOffsets(types: Uint8Array, littleEndian: boolean, limit: number): Set<number> | undefined {
  const view = new DataView(types.buffer, types.byteOffset, types.byteLength);
  const out = new Set<number>();
  let pos = 0;
  while (pos + 12 <= types.byteLength) {
    const nameOff = view.getUint32(pos, littleEndian);
    const info = view.getUint32(pos + 4, littleEndian);
    const kind = (info >>> 24) & 0x7f;
    if (kind === 0 || kind > MAX_KNOWN_KIND) return undefined;
    const vlen = info & 0xffffff;
    if (nameOff !== 0 && nameOff < limit) out.add(nameOff);
    pos += 12 + INFO_SIZE[kind]! + vlen * ELEM_SIZE[kind]!;
  }
  return out;
}
