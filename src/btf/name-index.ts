/**
 * A hash index from type name to type IDs, built once over the raw records without decoding a
 * string: names are hashed and compared as bytes in the string section.
 * @module
 */

import { fnv1a } from '../internal/hash.js';
import { encodeUtf8 } from '../internal/utf8.js';
import type { StringTable } from './strings.js';
import type { TypeSection } from './type-section.js';

/** Name → local type indices of one type section. Anonymous types are not indexed. */
export class NameIndex {
  private readonly mask: number;
  /** Bucket → first local index + 1 (0 = empty). */
  private readonly heads: Int32Array;
  /** Local index → next local index + 1 in the same bucket. */
  private readonly next: Int32Array;
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
    // Insert in reverse so each chain lists types in ID order.
    for (let i = section.count - 1; i >= 0; i--) {
      const off = section.nameOff(i);
      if (off === 0) continue;
      const loc = strings.locate(off);
      if (!loc || loc.end <= loc.start) continue;
      const b = fnv1a(loc.bytes, loc.start, loc.end) & this.mask;
      this.next[i] = this.heads[b]!;
      this.heads[b] = i + 1;
    }
  }

  /** Local indices of the types named `name`, in ID order. */
  lookup(name: string): number[] {
    const q = encodeUtf8(name);
    const out: number[] = [];
    if (q.length === 0) return out;
    for (let i = this.heads[fnv1a(q, 0, q.length) & this.mask]! - 1; i >= 0; i = this.next[i]! - 1) {
      const loc = this.strings.locate(this.section.nameOff(i));
      if (!loc || loc.end - loc.start !== q.length) continue;
      let same = true;
      for (let k = 0; k < q.length; k++) {
        if (loc.bytes[loc.start + k] !== q[k]) {
          same = false;
          break;
        }
      }
      if (same) out.push(i);
    }
    return out;
  }
}
