/**
 * A mutable table of BTF type records, the working form of everything that writes BTF (the
 * builder, deduplication, merging). Every BTF record field is a u32, so a record is held as a
 * run of host-order words in one growable `Uint32Array`, addressed by type ID through an offsets
 * array. For split output the base's records sit in the same array under their own IDs (read
 * only), so deduplication can compare against them without a second code path.
 * @module
 */
import { BtfError } from '../errors.js';
import { MAX_TYPE_ID } from './kinds.js';
import { chainWordCount, copyChainInto } from './record-at.js';
import type { Spec } from './spec.js';
import { StringSet } from './string-set.js';
import { forEachRef, kindAt, recordWordsAt } from './wire.js';

/** Whether this machine stores words little-endian. */
export const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The type section of `spec` (own types only) as host-order words, and each record's word index. */
export function sectionWords(spec: Spec): { words: Uint32Array; offs: Uint32Array } {
  return { words: spec.section.words, offs: spec.section.starts };
}

/** The string bytes of `spec` and all its bases, as one section (offsets as the spec sees them). */
export function chainStrings(spec: Spec): Uint8Array {
  if (!spec.base) return spec.strings.bytes;
  const below = chainStrings(spec.base);
  const out = new Uint8Array(below.byteLength + spec.strings.bytes.byteLength);
  out.set(below);
  out.set(spec.strings.bytes, below.byteLength);
  return out;
}

/** Type records being written: IDs from {@link firstId} up are this table's own. */
export class TypeTable {
  /** Record words; base records first (when split), then own records in ID order. */
  words: Uint32Array;
  /** Words in use. */
  used = 0;
  /** Word index of each record, by type ID (index 0, `void`, unused). */
  offs: Uint32Array;
  /** One past the highest type ID. */
  nextId: number;
  /** ID of the first own type: 1, or the base's next ID for split output. */
  readonly firstId: number;
  /** The base this table's types sit on, if split. */
  readonly base: Spec | undefined;
  /** The string section: own strings, chained to the base's. */
  strings: StringSet;
  /**
   * The highest type ID {@link allocate} and {@link appendRecords} give out: the format's
   * `BTF_MAX_TYPE`, unless raised for a working table that is deduplicated before it is written
   * (a merge appends every module first, as libbpf does; only the result must fit the format,
   * which {@link marshalTable} checks).
   * @internal
   */
  idLimit = MAX_TYPE_ID;

  /** An empty table; for split output, on `base` (whose records are loaded read-only). */
  constructor(base?: Spec) {
    this.base = base;
    this.firstId = base ? base.nextId : 1;
    this.nextId = this.firstId;
    this.strings = new StringSet(base ? chainStrings(base) : undefined);
    this.offs = new Uint32Array(Math.max(1024, this.firstId * 2));
    this.words = new Uint32Array(1 << 16);
    if (base) {
      this.reserve(chainWordCount(base));
      this.used = copyChainInto(base, this.words, 0, this.offs);
    }
  }

  /** Number of own types. */
  get count(): number {
    return this.nextId - this.firstId;
  }

  /** Makes room for `n` more words; `exact` when they are all that will be added (no doubling). */
  reserve(n: number, exact = false): void {
    if (this.used + n <= this.words.length) return;
    // Doubling for growth a record at a time; exactly what was asked for a larger reservation.
    const cap = exact ? this.used + n : Math.max(this.words.length * 2, this.used + n);
    const grown = new Uint32Array(cap);
    grown.set(this.words.subarray(0, this.used));
    this.words = grown;
  }

  /** Makes room for `n` more types (IDs), so that adding them does not grow {@link offs}. */
  reserveTypes(n: number): void {
    if (this.nextId + n < this.offs.length) return;
    const grown = new Uint32Array(this.nextId + n + 1);
    grown.set(this.offs);
    this.offs = grown;
  }

  /**
   * Appends `n` records at once: `words` holds them back to back, record `i` starting at word
   * `starts[i]`. They get the next `n` IDs; returns the word index where `words` landed (the
   * caller then rewrites their references and strings in place).
   * @throws {BtfError} past the format's type ID limit (0xfffff).
   */
  appendRecords(words: Uint32Array, starts: Uint32Array, n: number): number {
    const first = this.nextId;
    if (first + n - 1 > this.idLimit) throw this.pastLimit(Math.max(first, this.idLimit + 1));
    this.reserve(words.length);
    this.reserveTypes(n);
    const o = this.used;
    this.words.set(words, o);
    const offs = this.offs;
    for (let i = 0; i < n; i++) offs[first + i] = o + (starts[i] as number);
    this.used += words.length;
    this.nextId = first + n;
    return o;
  }

  /**
   * Allocates the next type ID for a record of `len` words, returning its word index; the
   * caller fills `words[o .. o+len)`.
   * @throws {BtfError} past the format's type ID limit (0xfffff).
   */
  allocate(len: number): number {
    const id = this.nextId;
    if (id > this.idLimit) throw this.pastLimit(id);
    this.reserve(len);
    if (id >= this.offs.length) {
      const grown = new Uint32Array(this.offs.length * 2);
      grown.set(this.offs);
      this.offs = grown;
    }
    const o = this.used;
    this.offs[id] = o;
    this.used += len;
    this.nextId = id + 1;
    return o;
  }

  /** The error for type ID `id`, the first past {@link idLimit}. */
  private pastLimit(id: number): BtfError {
    return this.idLimit === MAX_TYPE_ID
      ? new BtfError(`type count exceeds the format limit: ID ${id} > ${MAX_TYPE_ID} (0xfffff)`)
      : new BtfError(`type count exceeds the working limit: ID ${id} > ${this.idLimit}`);
  }

  /** Word index of type `id`'s record. */
  at(id: number): number {
    return this.offs[id] as number;
  }
  /** Kind number of type `id`. */
  kind(id: number): number {
    return kindAt(this.words, this.offs[id] as number);
  }
  /** Word index just past the record of type `id`. */
  endOf(id: number): number {
    const o = this.offs[id] as number;
    return o + recordWordsAt(this.words, o);
  }

  /**
   * Checks that every reference of the own types names `void`, a base type or an own type.
   * @throws {BtfError} naming the first type with a dangling reference.
   */
  checkRefs(): void {
    const w = this.words;
    const limit = this.nextId;
    for (let id = this.firstId; id < limit; id++) {
      forEachRef(w, this.offs[id] as number, (pos) => {
        const ref = w[pos] as number;
        if (ref >= limit) {
          throw new BtfError(`references type [${ref}], which was not added (IDs run to ${limit - 1})`, { typeId: id });
        }
      });
    }
  }
}
