/**
 * A deduplicating BTF string section under construction. Strings are kept and compared as
 * bytes (never decoded), hashed into an open-addressing table, so adding the names of a million
 * types costs no string allocations. A set for split output is chained to its base's section:
 * a string the base has resolves to the base's offset, as libbpf does for split BTF.
 * @module
 */
import { BtfError } from '../errors.js';
import { FNV_OFFSET, FNV_PRIME, fnv1a } from '../internal/hash.js';
import { encodeUtf8 } from '../internal/utf8.js';
import { MAX_NAME_OFFSET } from './kinds.js';
import { nulCount } from './string-bounds.js';

const EMPTY = -1;

/** FNV-1a over `bytes[start, end)`, as a signed 32-bit integer (what the table stores). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  return fnv1a(bytes, start, end) | 0;
}

/** A string section being written, optionally on top of a base section. */
export class StringSet {
  /** Bytes of the base's string section (offsets below {@link start} address it). */
  private readonly baseBytes: Uint8Array;
  /** Offset of this set's first own byte: the base section's length, or 0. */
  readonly start: number;
  private own: Uint8Array;
  private used = 0;
  /**
   * Open-addressing table, two words a slot: a string's offset (base or own, in the combined
   * space; -1 is empty) and its hash, side by side so a probe touches one cache line.
   */
  private slots: Int32Array;
  private filled = 0;
  /** Non-empty strings in the own section (each counted once, as written). */
  private ownStrings = 0;
  /** Whether this set was made on a base section (see {@link forkBase}). */
  private readonly split: boolean;
  /** How many strings the base section holds, NUL by NUL (1 for a base set): the table's sizing. */
  private readonly baseStrings: number;

  /**
   * @param base the base's string section bytes for a split set (its strings are reused by
   * offset; when it holds a string twice, the first is used); omit for a base set, which
   * starts with the empty name at offset 0.
   * @param from @internal a set on the same `base` whose base strings are taken from its table
   * instead of hashed again ({@link forkBase}).
   */
  constructor(base?: Uint8Array, from?: StringSet) {
    this.baseBytes = base ?? new Uint8Array(0);
    this.split = base !== undefined;
    this.start = this.baseBytes.byteLength;
    this.own = new Uint8Array(1 << 16);
    // Sized for the base's strings so that loading them never regrows it.
    this.baseStrings = from !== undefined ? from.baseStrings : base ? nulCount(base) + 1 : 1;
    let cap = 1 << 12;
    while (cap * 3 < this.baseStrings * 4) cap <<= 1;
    this.slots = emptySlots(cap);
    if (base) {
      this.filled = from !== undefined ? copyBaseSlots(from.slots, this.start, this.slots) : seedSlots(this.slots, base);
    } else {
      this.used = 1;
      this.insertNew(0, hashBytes(this.own, 0, 0), this.own, 0, 0, true);
    }
  }

  /**
   * A new, empty set on the same base. The base's strings are copied from this set's table by
   * their stored hashes, not hashed again: deduplication ends with a fork, and on vmlinux
   * hashing its 200,000 strings a second time was a quarter of a merge of a few modules.
   */
  forkBase(): StringSet {
    return this.split ? new StringSet(this.baseBytes, this) : new StringSet();
  }

  /** Total length of the combined space: one past the last own byte. */
  get end(): number {
    return this.start + this.used;
  }

  /** Number of bytes in this set's own section. */
  get size(): number {
    return this.used;
  }

  /** Number of non-empty strings in this set's own section. */
  get count(): number {
    return this.ownStrings;
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
      if (end > off) this.ownStrings++;
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
    return this.addHashed(bytes, start, end, hashBytes(bytes, start, end));
  }

  /**
   * The offset of the NUL-terminated string at `bytes[start]` (or running to the end of
   * `bytes`), adding it when new: {@link addBytes} with the end found while hashing, in one
   * pass over the bytes.
   * @throws {BtfError} when the section would outgrow the format's 24-bit name offsets.
   */
  addAt(bytes: Uint8Array, start: number): number {
    let h = FNV_OFFSET;
    let end = start;
    for (let c = bytes[end]; c !== 0 && c !== undefined; c = bytes[++end]) h = Math.imul(h ^ c, FNV_PRIME);
    if (end === start) return 0;
    return this.addHashed(bytes, start, end, h | 0);
  }

  private addHashed(bytes: Uint8Array, start: number, end: number, h: number): number {
    const found = this.find(h, bytes, start, end);
    if (found !== EMPTY) return found;
    const len = end - start;
    const off = this.start + this.used;
    if (off > MAX_NAME_OFFSET) {
      throw new BtfError(`string section exceeds the format limit: offset ${off} > ${MAX_NAME_OFFSET} (0xffffff)`);
    }
    this.copyIn(bytes, start, end);
    this.used += len + 1;
    this.ownStrings++;
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

  /** Appends `bytes[start, end)` and a NUL to the own section (not counted in {@link used}). */
  private copyIn(bytes: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.reserve(this.used + len + 1);
    const own = this.own;
    const at = this.used;
    // Names are short: a loop beats making a subarray view for each.
    if (len < 64) for (let i = 0; i < len; i++) own[at + i] = bytes[start + i] as number;
    else own.set(bytes.subarray(start, end), at);
    own[at + len] = 0;
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
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const off = slots[2 * i] as number;
      if (off === EMPTY) return EMPTY;
      if (slots[2 * i + 1] === h && this.equalAt(off, bytes, start, end)) return off;
    }
  }

  private insertNew(off: number, h: number, bytes: Uint8Array, start: number, end: number, checkDup: boolean): void {
    if (checkDup && this.find(h, bytes, start, end) !== EMPTY) return;
    // At most three quarters full: a small table stays in cache better than a sparse one.
    if ((this.filled + 1) * 8 > this.slots.length * 3) this.rehash();
    place(this.slots, off, h);
    this.filled++;
  }

  private rehash(): void {
    const old = this.slots;
    const next = emptySlots(old.length);
    for (let j = 0; j < old.length; j += 2) {
      const off = old[j] as number;
      if (off !== EMPTY) place(next, off, old[j + 1] as number);
    }
    this.slots = next;
  }
}

/**
 * Puts every string of the base section `base` in `slots` (empty, and sized so that they fit
 * at most three quarters full), the first of equal strings winning; returns how many slots it
 * filled. One pass over the bytes hashes each string as it goes and probes once: a merge of
 * modules on vmlinux starts here, with some 200,000 strings, and adding them one at a time
 * (find the NUL, hash, look up, then probe again to insert) was a third of its time.
 */
function seedSlots(slots: Int32Array, base: Uint8Array): number {
  const mask = (slots.length >>> 1) - 1;
  const n = base.byteLength;
  let filled = 0;
  let start = 0;
  let h = FNV_OFFSET;
  for (let i = 0; i <= n; i++) {
    // The section ends with a NUL; should it not, its last string runs to the end.
    const c = i < n ? (base[i] as number) : 0;
    if (c !== 0) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (i === n && start === n) break;
    const hash = h | 0;
    for (let j = hash & mask; ; j = (j + 1) & mask) {
      const off = slots[2 * j] as number;
      if (off === EMPTY) {
        slots[2 * j] = start;
        slots[2 * j + 1] = hash;
        filled++;
        break;
      }
      if (slots[2 * j + 1] === hash && sameString(base, off, start, i)) break;
    }
    start = i + 1;
    h = FNV_OFFSET;
  }
  return filled;
}

/**
 * Puts the entries of `from` for offsets below `start` (a base section's strings) in `slots`
 * (empty, and sized for them); returns how many. Only stored hashes are read.
 */
function copyBaseSlots(from: Int32Array, start: number, slots: Int32Array): number {
  let filled = 0;
  for (let j = 0; j < from.length; j += 2) {
    const off = from[j] as number;
    if (off === EMPTY || off >= start) continue;
    place(slots, off, from[j + 1] as number);
    filled++;
  }
  return filled;
}

/** Whether the NUL-terminated string at `bytes[off]` is `bytes[start, end)`. */
function sameString(bytes: Uint8Array, off: number, start: number, end: number): boolean {
  const len = end - start;
  if (off + len >= bytes.byteLength || bytes[off + len] !== 0) return false;
  for (let k = 0; k < len; k++) if (bytes[off + k] !== bytes[start + k]) return false;
  return true;
}

/** A table of `cap` empty slots (two words each). */
function emptySlots(cap: number): Int32Array {
  return new Int32Array(2 * cap).fill(EMPTY);
}

/** Puts string `off` of hash `h` in the first free slot of its probe sequence. */
function place(slots: Int32Array, off: number, h: number): void {
  const mask = (slots.length >>> 1) - 1;
  let i = h & mask;
  while (slots[2 * i] !== EMPTY) i = (i + 1) & mask;
  slots[2 * i] = off;
  slots[2 * i + 1] = h;
}
