/**
 * A deduplicating BTF string section under construction. Strings are kept and compared as
 * bytes (never decoded), hashed into an open-addressing table, so adding the names of a million
 * types costs no string allocations. A set for split output is chained to its base's section:
 * a string the base has resolves to the base's offset, as libbpf does for split BTF.
 * @module
 */
import { BtfError } from '../errors.js';
import { encodeUtf8 } from '../internal/utf8.js';
import { MAX_NAME_OFFSET } from './kinds.js';

const EMPTY = -1;

/** FNV-1a over `bytes[start, end)`. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h | 0;
}

/** A string section being written, optionally on top of a base section. */
export class StringSet {
  /** Bytes of the base's string section (offsets below {@link start} address it). */
  private readonly baseBytes: Uint8Array;
  /** Offset of this set's first own byte: the base section's length, or 0. */
  readonly start: number;
  private own: Uint8Array;
  private used = 0;
  /** Open-addressing table of offsets (base or own, in the combined space); -1 is empty. */
  private slots: Int32Array;
  /** Hash of the string in each slot (valid where the slot is filled). */
  private hashes: Int32Array;
  private filled = 0;
  /** The table as it was with only the base's strings, for {@link forkBase}. */
  private baseSlots: Int32Array | undefined;
  private baseHashes: Int32Array | undefined;
  private baseFilled = 0;

  /**
   * @param base the base's string section bytes for a split set (its strings are reused by
   * offset; when it holds a string twice, the first is used); omit for a base set, which
   * starts with the empty name at offset 0.
   */
  constructor(base?: Uint8Array) {
    this.baseBytes = base ?? new Uint8Array(0);
    this.start = this.baseBytes.byteLength;
    this.own = new Uint8Array(1 << 16);
    this.slots = new Int32Array(1 << 12).fill(EMPTY);
    this.hashes = new Int32Array(1 << 12);
    if (base) {
      for (let off = 0; off < base.byteLength; ) {
        let end = base.indexOf(0, off);
        if (end < 0) end = base.byteLength;
        this.insertNew(off, hashBytes(base, off, end), base, off, end, true);
        off = end + 1;
      }
      this.baseSlots = this.slots.slice();
      this.baseHashes = this.hashes.slice();
      this.baseFilled = this.filled;
    } else {
      this.used = 1;
      this.insertNew(0, hashBytes(this.own, 0, 0), this.own, 0, 0, true);
    }
  }

  /** A new, empty set on the same base, reusing this set's index of the base's strings. */
  forkBase(): StringSet {
    const f: StringSet = Object.create(StringSet.prototype);
    Object.assign(f, {
      baseBytes: this.baseBytes,
      start: this.start,
      own: new Uint8Array(1 << 16),
      used: 0,
      slots: this.baseSlots ? this.baseSlots.slice() : new Int32Array(1 << 12).fill(EMPTY),
      hashes: this.baseHashes ? this.baseHashes.slice() : new Int32Array(1 << 12),
      filled: this.baseFilled,
      baseSlots: this.baseSlots,
      baseHashes: this.baseHashes,
      baseFilled: this.baseFilled,
    });
    if (!this.baseSlots) {
      f.used = 1;
      f.insertNew(0, hashBytes(f.own, 0, 0), f.own, 0, 0, true);
    }
    return f;
  }

  /** Total length of the combined space: one past the last own byte. */
  get end(): number {
    return this.start + this.used;
  }

  /** Number of bytes in this set's own section. */
  get size(): number {
    return this.used;
  }

  /** This set's own section bytes (a view; valid until the next add). */
  bytes(): Uint8Array {
    return this.own.subarray(0, this.used);
  }

  /**
   * Appends the whole of `table` (a string section, NUL-separated) as this set's own strings in
   * their order, so their offsets stay what they were; a string already present (including a
   * duplicate inside `table`) keeps its first offset for lookups. Only on an empty base set.
   * @returns for each input offset that starts a string, the offset lookups resolve it to, or
   * `undefined` when every string was new (offsets unchanged).
   */
  seed(table: Uint8Array): Map<number, number> | undefined {
    if (this.start !== 0 || this.used !== 1) throw new BtfError('string set: seed needs an empty base set');
    if (table.byteLength === 0 || table[0] !== 0) throw new BtfError('string section does not start with NUL', { offset: 0 });
    this.reserve(table.byteLength);
    this.own.set(table, 0);
    this.used = table.byteLength;
    let moved: Map<number, number> | undefined;
    for (let off = 1; off < table.byteLength; ) {
      let end = table.indexOf(0, off);
      if (end < 0) end = table.byteLength;
      const h = hashBytes(table, off, end);
      const found = this.find(h, table, off, end);
      if (found === EMPTY) this.insertNew(off, h, table, off, end, false);
      else {
        moved ??= new Map();
        moved.set(off, found);
      }
      off = end + 1;
    }
    return moved;
  }

  /**
   * The offset of the string `bytes[start, end)` (no NUL inside), adding it when new.
   * @throws {BtfError} when the section would outgrow the format's 24-bit name offsets.
   */
  addBytes(bytes: Uint8Array, start: number, end: number): number {
    if (end === start) return 0;
    const h = hashBytes(bytes, start, end);
    const found = this.find(h, bytes, start, end);
    if (found !== EMPTY) return found;
    const len = end - start;
    const off = this.start + this.used;
    if (off > MAX_NAME_OFFSET) {
      throw new BtfError(`string section exceeds the format limit: offset ${off} > ${MAX_NAME_OFFSET} (0xffffff)`);
    }
    this.reserve(this.used + len + 1);
    this.own.set(bytes.subarray(start, end), this.used);
    this.own[this.used + len] = 0;
    this.used += len + 1;
    this.insertNew(off, h, bytes, start, end, false);
    return off;
  }

  /** The offset of `s`, adding it when new. @throws {BtfError} past the 24-bit offset limit. */
  add(s: string): number {
    if (s === '') return 0;
    const b = encodeUtf8(s);
    if (b.includes(0)) throw new BtfError(`string ${JSON.stringify(s)} contains NUL`);
    return this.addBytes(b, 0, b.byteLength);
  }

  /** The offset of `bytes[start, end)` if present, else -1. */
  lookupBytes(bytes: Uint8Array, start: number, end: number): number {
    return this.find(hashBytes(bytes, start, end), bytes, start, end);
  }

  private reserve(n: number): void {
    if (n <= this.own.byteLength) return;
    let cap = this.own.byteLength * 2;
    while (cap < n) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.own.subarray(0, this.used));
    this.own = grown;
  }

  /** The bytes at combined offset `off`: the base's or our own. */
  private equalAt(off: number, bytes: Uint8Array, start: number, end: number): boolean {
    let src: Uint8Array;
    let p: number;
    if (off < this.start) {
      src = this.baseBytes;
      p = off;
    } else {
      src = this.own;
      p = off - this.start;
    }
    const len = end - start;
    if (p + len >= src.byteLength || src[p + len] !== 0) return false;
    for (let i = 0; i < len; i++) if (src[p + i] !== bytes[start + i]) return false;
    return true;
  }

  private find(h: number, bytes: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const off = this.slots[i] as number;
      if (off === EMPTY) return EMPTY;
      if (this.hashes[i] === (h | 0) && this.equalAt(off, bytes, start, end)) return off;
    }
  }

  private insertNew(off: number, h: number, bytes: Uint8Array, start: number, end: number, checkDup: boolean): void {
    if (checkDup && this.find(h, bytes, start, end) !== EMPTY) return;
    if ((this.filled + 1) * 2 > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
    this.slots[i] = off;
    this.hashes[i] = h;
    this.filled++;
  }

  private rehash(): void {
    const old = this.slots;
    const oldHashes = this.hashes;
    const next = new Int32Array(old.length * 2).fill(EMPTY);
    const hashes = new Int32Array(next.length);
    const mask = next.length - 1;
    for (let j = 0; j < old.length; j++) {
      const off = old[j] as number;
      if (off === EMPTY) continue;
      const h = oldHashes[j] as number;
      let i = h & mask;
      while (next[i] !== EMPTY) i = (i + 1) & mask;
      next[i] = off;
      hashes[i] = h;
    }
    this.slots = next;
    this.hashes = hashes;
  }
}
