/**
 * A hash index from type name to type IDs, built once over the raw records without decoding a
 * string: names are hashed and compared as bytes in the string section.
 * @module
 */

import { FNV_OFFSET, FNV_PRIME, fnv1a } from '../internal/hash.js';
import { encodeUtf8 } from '../internal/utf8.js';
import { longestString } from './string-bounds.js';
import type { StringTable } from './strings.js';
import type { TypeSection } from './type-section.js';

/** Name → local type indices of one type section. Anonymous types are not indexed. */
export class NameIndex {
  private readonly mask: number;
  /** Bucket → first local index + 1 (0 = empty). */
  private readonly heads: Int32Array;
  /** Local index → next local index + 1 in the same bucket. */
  private readonly next: Int32Array;
  /** Local index → full hash of its name, so a lookup compares bytes only on a hash match. */
  private readonly hashes: Uint32Array;
  private readonly section: TypeSection;
  private readonly strings: StringTable;

  constructor(section: TypeSection, strings: StringTable) {
    this.section = section;
    this.strings = strings;
    let size = 16;
    while (size < section.count * 2) size *= 2;
    this.mask = size - 1;
    this.heads = new Int32Array(size);
    this.next = new Int32Array(section.count);
    this.hashes = new Uint32Array(section.count);
    const { words, starts } = section;
    // Insert in reverse so each chain lists types in ID order.
    for (let i = section.count - 1; i >= 0; i--) {
      const off = words[starts[i]!]!;
      const table = off === 0 ? undefined : strings.tableOf(off);
      if (!table) continue;
      // FNV-1a straight from the string section, up to the NUL (the table ends with one).
      const bytes = table.bytes;
      const start = off - table.start;
      let h = FNV_OFFSET;
      let p = start;
      // Bounded by the longest string validation saw, should the bytes have changed since.
      const stop = start + longestString(bytes);
      for (let c = bytes[p]!; c > 0 && p < stop; c = bytes[++p]!) h = Math.imul(h ^ c, FNV_PRIME);
      if (p === start) continue;
      this.hashes[i] = h >>> 0;
      const b = (h >>> 0) & this.mask;
      this.next[i] = this.heads[b]!;
      this.heads[b] = i + 1;
    }
  }

  /** Local indices of the types named `name`, in ID order. */
  lookup(name: string): number[] {
    const q = encodeUtf8(name);
    const out: number[] = [];
    if (q.length === 0) return out;
    const h = fnv1a(q, 0, q.length);
    for (let i = this.heads[h & this.mask]! - 1; i >= 0; i = this.next[i]! - 1) {
      if (this.hashes[i] !== h) continue;
      const off = this.section.nameOff(i);
      const table = this.strings.tableOf(off);
      if (!table) continue; // the name offset changed after loading

      const start = off - table.start;
      let k = 0;
      while (k < q.length && table.bytes[start + k] === q[k]) k++;
      if (k === q.length && table.bytes[start + k] === 0) out.push(i);
    }
    return out;
  }
}
