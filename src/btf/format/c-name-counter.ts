/**
 * How many times each name was used so far in one C namespace, for the `___N` suffixes of the
 * header writer. Names are given as string offsets and compared by their bytes: the header of
 * vmlinux counts some 200,000 tags, typedef names and enumerators, and making a JavaScript string
 * of each only to look it up in a `Map` cost more than the rest of the naming (and most of the
 * garbage collection of a dump). This hash table over the bytes makes no objects at all.
 * @module
 */
import type { CTypeTable } from './c-table.js';

/** An open-addressing hash table from names (by their bytes) to occurrence counts. */
export class NameCounter {
  private readonly t: CTypeTable;
  /** Per slot: string offset of the name + 1 (0: empty slot). */
  private offs: Int32Array;
  /** Per slot: the name's hash. */
  private hashes: Int32Array;
  /** Per slot: how many times the name was counted. */
  private counts: Int32Array;
  private used = 0;

  constructor(table: CTypeTable) {
    this.t = table;
    // Room for a name per four types before the first growth (vmlinux has about one tag name
    // and one typedef name or enumerator per six types): zeroed memory costs page faults.
    let size = 1024;
    while (size < table.count / 2) size *= 2;
    this.offs = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.counts = new Int32Array(size);
  }

  /**
   * Counts one more use of the name at string offset `off` (compared by its bytes, so equal
   * names at different offsets count together) and returns how many uses there were so far,
   * this one included.
   */
  next(off: number): number {
    const t = this.t;
    // FNV-1a over the bytes up to the NUL (an offset past the strings hashes as the empty name).
    let h = 0x811c9dc5 | 0;
    if (off < t.stringEnd) {
      const bytes = t.strings;
      for (let i = off; ; i++) {
        const c = bytes[i]!;
        if (c === 0) break;
        h = Math.imul(h ^ c, 0x01000193);
      }
    }
    const mask = this.offs.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const o = this.offs[slot]!;
      if (o === 0) {
        this.offs[slot] = off + 1;
        this.hashes[slot] = h;
        this.counts[slot] = 1;
        if (++this.used * 2 > this.offs.length) this.grow();
        return 1;
      }
      if (this.hashes[slot] === h && t.sameName(o - 1, off)) return ++this.counts[slot]!;
    }
  }

  /** Doubles the table, re-placing every name by its hash. */
  private grow(): void {
    const { offs, hashes, counts } = this;
    const size = offs.length * 2;
    const mask = size - 1;
    this.offs = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.counts = new Int32Array(size);
    for (let i = 0; i < offs.length; i++) {
      if (offs[i] === 0) continue;
      let slot = hashes[i]! & mask;
      while (this.offs[slot] !== 0) slot = (slot + 1) & mask;
      this.offs[slot] = offs[i]!;
      this.hashes[slot] = hashes[i]!;
      this.counts[slot] = counts[i]!;
    }
  }
}
