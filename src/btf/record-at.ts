/**
 * Reading type records by ID across a spec and its bases, without inflating them: one view of
 * every record a spec sees, as one array of host-order words and the word index of each type's
 * record. Whatever reads records by ID across a chain (the C writer, distill, relocate, the
 * write table's read-only base part) reads this view; one spec's own records alone are its
 * {@link TypeSection}.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Spec } from './spec.js';
import { infoKflag, infoKind, infoVlen } from './wire.js';

/** Every type record of a spec and its bases, by type ID. ID 0 (`void`) has no record. */
export class ChainRecords {
  /** Host-order record words: the root base's, then each split spec's up the chain. */
  readonly words: Uint32Array;
  /** Word index in {@link words} of each type's record, by ID (entry 0 unused). */
  readonly starts: Uint32Array;
  /** One past the highest ID: the spec's {@link Spec.nextId}. */
  readonly nextId: number;

  /** Use {@link chainRecords}. */
  constructor(words: Uint32Array, starts: Uint32Array, nextId: number) {
    this.words = words;
    this.starts = starts;
    this.nextId = nextId;
  }

  /**
   * Word index of type `id`'s record.
   * @param referrer - the type whose reference led here, named in the error instead of `id`.
   * @throws {BtfError} when no type has this ID (`void`, ID 0, has no record).
   */
  at(id: number, referrer?: number): number {
    if (id > 0 && id < this.nextId) return this.starts[id] as number;
    if (referrer !== undefined) {
      throw new BtfError(`references type [${id}], which does not exist (IDs run to ${this.nextId - 1})`, {
        typeId: referrer,
      });
    }
    throw new BtfError(`no such type (IDs run to ${this.nextId - 1})`, { typeId: id });
  }

  /** Kind number of type `id` (0 for `void`). */
  kind(id: number): number {
    return id === 0 ? 0 : infoKind(this.words[(this.starts[id] as number) + 1] as number);
  }
  /** vlen of type `id`. */
  vlen(id: number): number {
    return infoVlen(this.words[(this.starts[id] as number) + 1] as number);
  }
  /** Kind flag of type `id`. */
  kflag(id: number): boolean {
    return infoKflag(this.words[(this.starts[id] as number) + 1] as number);
  }
  /** `name_off` of type `id` (0 for `void`). */
  nameOff(id: number): number {
    return id === 0 ? 0 : (this.words[this.starts[id] as number] as number);
  }
  /** The `size`/`type` word of type `id`. */
  sizeOrType(id: number): number {
    return this.words[(this.starts[id] as number) + 2] as number;
  }
  /** Word `k` after the 12-byte head of type `id`'s record. */
  word(id: number, k: number): number {
    return this.words[(this.starts[id] as number) + 3 + k] as number;
  }
}

/**
 * The same reads as {@link ChainRecords} without copying a chain: each ID is looked up in the
 * spec of the chain that owns it. For a few reads of a split spec (a size, an alignment) where
 * copying its base's records would cost more than the reads.
 */
export class SpecRecords {
  readonly nextId: number;
  private readonly spec: Spec;

  constructor(spec: Spec) {
    this.spec = spec;
    this.nextId = spec.nextId;
  }

  /** Word `k` of type `id`'s record, in the spec of the chain that owns it; 0 for no such type. */
  private read(id: number, k: number): number {
    const owner = id > 0 ? this.spec.specOf(id) : undefined;
    if (!owner) return 0;
    const sec = owner.section;
    return sec.words[(sec.starts[id - owner.firstId] as number) + k] as number;
  }

  /** Kind number of type `id` (0 for `void` and IDs out of range). */
  kind(id: number): number {
    return infoKind(this.read(id, 1));
  }
  vlen(id: number): number {
    return infoVlen(this.read(id, 1));
  }
  kflag(id: number): boolean {
    return infoKflag(this.read(id, 1));
  }
  nameOff(id: number): number {
    return this.read(id, 0);
  }
  sizeOrType(id: number): number {
    return this.read(id, 2);
  }
  /** Word `k` after the 12-byte head of type `id`'s record. */
  word(id: number, k: number): number {
    return this.read(id, 3 + k);
  }
}

/** The chain from the root base up to `spec`. */
function chainOf(spec: Spec): Spec[] {
  const chain: Spec[] = [];
  for (let s: Spec | undefined = spec; s; s = s.base) chain.unshift(s);
  return chain;
}

/** Words of the type sections of `spec` and its bases together. */
export function chainWordCount(spec: Spec): number {
  let n = 0;
  for (let s: Spec | undefined = spec; s; s = s.base) n += s.section.words.length;
  return n;
}

/**
 * Copies the records of `spec` and its bases into `words` from word `at` on, root first, and
 * sets `starts[id]` to each type's word index there. Returns the word index past the last.
 * `words` must have room for {@link chainWordCount} words from `at`, and `starts` for
 * `spec.nextId` entries.
 */
export function copyChainInto(spec: Spec, words: Uint32Array, at: number, starts: Uint32Array): number {
  for (const s of chainOf(spec)) {
    const sec = s.section;
    words.set(sec.words, at);
    const own = sec.starts;
    const first = s.firstId;
    for (let i = 0; i < own.length; i++) starts[first + i] = (own[i] as number) + at;
    at += sec.words.length;
  }
  return at;
}

/**
 * The records `spec` sees, its bases' and its own, by ID. For base BTF this is a view of the
 * spec's own words (only the starts are copied); for split BTF the chain's words are copied once into one array,
 * so a caller that reads many records holds on to the view rather than asking again.
 */
export function chainRecords(spec: Spec): ChainRecords {
  if (!spec.base) {
    // The section's own words; only the starts are copied, shifted to be indexed by ID.
    const starts = new Uint32Array(spec.nextId);
    starts.set(spec.section.starts, 1);
    return new ChainRecords(spec.section.words, starts, spec.nextId);
  }
  const words = new Uint32Array(chainWordCount(spec));
  const starts = new Uint32Array(spec.nextId);
  copyChainInto(spec, words, 0, starts);
  return new ChainRecords(words, starts, spec.nextId);
}
