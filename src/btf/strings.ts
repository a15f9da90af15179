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

  /**
   * @throws {BtfRuleError} when the section breaks the kernel's rules: a base table must start with
   * NUL (offset 0 is the empty name), every table must end with NUL.
   */
  constructor(bytes: Uint8Array, base: StringTable | undefined, sectionOffset: number) {
    this.bytes = bytes;
    this.base = base;
    this.start = base ? base.end : 0;
    this.end = this.start + bytes.byteLength;
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
    const nul = this.bytes.indexOf(0, local);
    const end = nul < 0 ? this.bytes.length : nul;
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
