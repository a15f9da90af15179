/**
 * The BTF string section: NUL-terminated names addressed by byte offset. In split BTF, offsets
 * below the base's string length address the base's table; the split's own table follows.
 * @module
 */
import { decodeUtf8 } from '../internal/utf8.js';
import { longestString } from './string-bounds.js';
import { ruleError } from './validate-rules.js';

/** Strings up to this long are returned without consulting {@link longestString}. */
const SHORT_STRING = 256;
/** ASCII names up to this long take the fast path of {@link StringTable.decodeAt}. */
const SHORT_ASCII = 64;

/** One string section, chained to its base's for split BTF. */
export class StringTable {
  /** The section's bytes (a view into the blob). */
  readonly bytes: Uint8Array;
  /** The table offsets of this section start at (base's total length for split BTF, else 0). */
  readonly start: number;
  /** The base's string table, for split BTF; offsets below {@link start} are looked up there. */
  readonly base: StringTable | undefined;
  /** One past the highest valid offset across this table and its bases. */
  readonly end: number;
  /** Local offsets of recently decoded names, by hash slot (-1: empty); made on the first lookup. */
  private recentOffsets: Int32Array | undefined;
  /** The names of {@link recentOffsets}, slot for slot. */
  private recentNames: string[] | undefined;

  /**
   * @throws {BtfRuleError} when the section breaks the kernel's rules: a base table must start with
   * NUL (offset 0 is the empty name), every table must end with NUL.
   */
  constructor(bytes: Uint8Array, base: StringTable | undefined, sectionOffset: number) {
    this.bytes = bytes;
    this.base = base;
    this.start = base ? base.end : 0;
    this.end = this.start + bytes.byteLength;
    this.recentOffsets = undefined;
    this.recentNames = undefined;
    if (bytes.byteLength === 0) {
      if (!base) {
        throw ruleError(
          'string-section-empty',
          'string section is empty; it must hold at least the empty name',
          undefined,
          sectionOffset,
        );
      }
      return;
    }
    if (!base && bytes[0] !== 0) {
      throw ruleError(
        'string-section-start',
        "string section does not start with NUL: this looks like split BTF (a module's); open it on its base",
        undefined,
        sectionOffset,
      );
    }
    if (bytes[bytes.byteLength - 1] !== 0) {
      throw ruleError(
        'string-section-end',
        'string section is not NUL-terminated',
        undefined,
        sectionOffset + bytes.byteLength - 1,
      );
    }
  }

  /** Whether `offset` addresses a string in this table or a base's. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.end;
  }

  /**
   * The string at `offset`, or `undefined` if the offset is out of range.
   */
  lookup(offset: number): string | undefined {
    if (offset < this.start) {
      if (offset === 0 && !this.base) return '';
      return this.base?.lookup(offset);
    }
    const local = offset - this.start;
    if (local >= this.bytes.byteLength) return undefined;
    // A walk over every type of vmlinux decodes some 230,000 names, a third of them repeats of
    // a recent one (member names such as `next`, `flags`, `lock`): a small direct-mapped cache
    // hands back the same string, which is faster than decoding and keeps fewer copies alive.
    let offsets = this.recentOffsets;
    let names = this.recentNames;
    if (offsets === undefined || names === undefined) {
      // Sized to the table (a module's is small), at most 4,096 entries.
      let slots = 64;
      while (slots < 4096 && slots * 64 < this.bytes.byteLength) slots <<= 1;
      offsets = this.recentOffsets = new Int32Array(slots).fill(-1);
      names = this.recentNames = new Array<string>(slots).fill('');
    }
    const slot = (Math.imul(local, 0x9e3779b1) >>> 0) & (offsets.length - 1);
    if (offsets[slot] === local) return names[slot];
    const name = this.decodeAt(local);
    offsets[slot] = local;
    names[slot] = name;
    return name;
  }

  /** The string at local offset `local` (in range). */
  private decodeAt(local: number): string {
    const bytes = this.bytes;
    // Names are short and ASCII: their bytes go to String.fromCharCode as a plain array, a third
    // cheaper than as a typed subarray (what decodeUtf8 takes, for any length and UTF-8).
    let stop = local;
    let high = 0;
    for (let c = bytes[stop]; c !== 0 && c !== undefined && stop - local < SHORT_ASCII; c = bytes[++stop]) high |= c;
    if (high < 0x80 && (stop === bytes.length || bytes[stop] === 0)) {
      const units = new Array<number>(stop - local);
      for (let i = local; i < stop; i++) units[i - local] = bytes[i] as number;
      return String.fromCharCode.apply(null, units);
    }
    const nul = bytes.indexOf(0, local);
    const end = nul < 0 ? bytes.length : nul;
    // A long one is bounded by the longest string validation saw, should the bytes have changed
    // since. Names are short: the first lookups of a section need not measure it (a pass over
    // megabytes for vmlinux) before they return.
    return decodeUtf8(this.bytes, local, end - local <= SHORT_STRING ? end : Math.min(end, local + longestString(this.bytes)));
  }

  /** The table (this one or a base's) whose range holds `offset`; `undefined` past the end. */
  tableOf(offset: number): StringTable | undefined {
    for (let t: StringTable | undefined = this; t; t = t.base) {
      if (offset >= t.start) return offset < t.end ? t : undefined;
    }
    return undefined;
  }

  /**
   * The bytes of the string at `offset` without decoding: the table that holds it and the
   * local `[start, end)` range. `undefined` if out of range.
   */
  locate(offset: number): { bytes: Uint8Array; start: number; end: number } | undefined {
    if (offset < this.start) return this.base?.locate(offset);
    const local = offset - this.start;
    if (local >= this.bytes.byteLength) return undefined;
    return { bytes: this.bytes, start: local, end: this.bytes.indexOf(0, local) };
  }
}
