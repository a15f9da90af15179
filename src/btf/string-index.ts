/**
 * A hash index over the strings of many string sections at once (every module's of a kernel),
 * built from the raw bytes without decoding a string: a name maps to the sections, and the
 * offsets in them, that hold it. Built once, it answers in microseconds what a byte search over
 * all sections answers in milliseconds.
 * @module
 */
import { FNV_OFFSET, FNV_PRIME, fnv1a } from '../internal/hash.js';

/** One place a string was found: which section, at which local offset. */
export interface StringHit {
  /** Which string section: 0 for the first indexed (vmlinux's), then one per further table. */
  readonly table: number;
  /** Offset of the string within that section. */
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
