/**
 * A flat, ID-indexed view of every type a spec sees (its base's and its own), read straight from
 * the wire records, for the C header writer. Layout queries (alignment, size, pointer size) follow
 * the C rules the BTF-to-C dumper of libbpf applies, including its fallbacks for types that have no
 * size or alignment (they count as 0).
 * @module
 */
import { chainRecords } from '../record-at.js';
import { checkRecordExtent } from '../record-bounds.js';
import { pointerSizeOf, TypeLayout } from '../size-align.js';
import type { Spec } from '../spec.js';
import type { StringTable } from '../strings.js';
import { infoKflag, infoVlen, recordWordsAt } from '../wire.js';
import { CKind } from './c-kinds.js';

/** A size or alignment not asked for yet (both are -1 or more). */
const UNKNOWN = -2;

/**
 * Each type's kind number by ID, checking on the way that each record still fits before the next
 * ({@link checkRecordExtent}: the bytes may have changed since validation). A function of its
 * own so that V8 optimizes just this loop while it runs: inside a longer function, the loop's
 * optimized code was thrown away as soon as the loop ended, at the first statement after it.
 * @throws {BtfError} naming a type whose record overruns the next.
 */
function readKinds(words: Uint32Array, starts: Uint32Array, count: number): Uint8Array {
  const kinds = new Uint8Array(count);
  const end = words.length;
  for (let id = 1; id < count; id++) {
    const head = starts[id]!;
    const next = id + 1 < count ? starts[id + 1]! : end;
    // checkRecordExtent's test in one call (btf commands run with V8's inlining off, and its
    // own test takes four): it runs, to throw, only for a record that does not fit. A record of
    // an unknown kind has no size (NaN), and fits, as checkRecordExtent lets it.
    if (head + 1 >= end || head + recordWordsAt(words, head) > next) checkRecordExtent(words, head, next, id);
    kinds[id] = (words[head + 1]! >>> 24) & 0x7f; // infoKind
  }
  return kinds;
}

/** Every type of a spec and its bases, by ID. ID 0 is `void` (kind 0). */
export class CTypeTable {
  /** Host-order record words of all specs, concatenated. */
  readonly words: Uint32Array;
  /** Word index of each type's record head, by ID (entry 0 unused). */
  readonly starts: Uint32Array;
  /** One past the highest ID. */
  readonly count: number;
  /** Each type's kind number, by ID (0 for `void`): the most frequent read, one load away. */
  readonly kinds: Uint8Array;
  /** One past the highest string offset: the end of the spec's string section. */
  readonly stringEnd: number;
  /** Pointer size in bytes: the size of the first `long`-like INT, else 8 ({@link pointerSizeOf}). */
  readonly ptrSize: number;
  /**
   * Every string section of the spec and its bases laid end to end, each at the offset its
   * strings are named by, plus a NUL: a name is `strings[off]` up to its NUL, in one array for
   * every section, and the copy cannot change under the writer (every name ends, even if the
   * spec's bytes are changed after validation). Offsets past the end name the empty string.
   */
  readonly strings: Uint8Array;
  private readonly names = new Map<number, string>();
  private readonly layout: TypeLayout;
  /**
   * {@link alignOf} of each type once asked (0 or more), else {@link UNKNOWN}: the writer reads
   * it directly and calls alignOf only below 0.
   */
  readonly aligns: Int32Array;
  /**
   * {@link resolveSize} of each type once asked and 0 or more, else below 0 (not asked yet,
   * none, or 2 GiB and more): the writer reads it directly and calls resolveSize only below 0.
   */
  readonly sizes: Int32Array;

  constructor(spec: Spec) {
    this.count = spec.nextId;
    this.stringEnd = spec.strings.end;
    this.strings = new Uint8Array(this.stringEnd + 1);
    for (let st: StringTable | undefined = spec.strings; st; st = st.base) this.strings.set(st.bytes, st.start);
    const records = chainRecords(spec);
    this.words = records.words;
    this.starts = records.starts;
    this.layout = new TypeLayout(records, pointerSizeOf(spec));
    this.ptrSize = this.layout.pointerSize;
    this.kinds = readKinds(this.words, this.starts, this.count);
    this.aligns = new Int32Array(this.count).fill(UNKNOWN);
    this.sizes = new Int32Array(this.count).fill(UNKNOWN);
  }

  kind(id: number): number {
    return this.kinds[id] ?? 0;
  }
  nameOff(id: number): number {
    return id === 0 ? 0 : this.words[this.starts[id]!]!;
  }
  vlen(id: number): number {
    return infoVlen(this.words[this.starts[id]! + 1]!);
  }
  kflag(id: number): boolean {
    return infoKflag(this.words[this.starts[id]! + 1]!);
  }
  /** The `size`/`type` word. */
  sizeOrType(id: number): number {
    return this.words[this.starts[id]! + 2]!;
  }
  /** Word index of the first word after the record head. */
  body(id: number): number {
    return this.starts[id]! + 3;
  }
  /** Element type of an ARRAY. */
  arrayElem(id: number): number {
    return this.words[this.starts[id]! + 3]!;
  }
  arrayLength(id: number): number {
    return this.words[this.starts[id]! + 5]!;
  }
  isComposite(id: number): boolean {
    const k = this.kind(id);
    return k === CKind.Struct || k === CKind.Union;
  }

  /**
   * The string at `off`, each byte one UTF-16 unit (Latin-1), so writing it back byte by byte
   * reproduces the section's bytes exactly, whatever their encoding. Cached.
   */
  name(off: number): string {
    if (off === 0) return '';
    let s = this.names.get(off);
    if (s === undefined) {
      s = this.readName(off);
      this.names.set(off, s);
    }
    return s;
  }

  /** The string at `off` as {@link name} gives it, read anew and not cached (for names used once). */
  readName(off: number): string {
    const bytes = this.strings;
    if (off >= this.stringEnd) return '';
    let end = off;
    while (bytes[end] !== 0) end++;
    let s = '';
    for (let j = off; j < end; j += 4096) {
      s += String.fromCharCode.apply(null, bytes.subarray(j, Math.min(end, j + 4096)) as unknown as number[]);
    }
    return s;
  }

  /** Whether the strings at offsets `a` and `b` have the same bytes. */
  sameName(a: number, b: number): boolean {
    if (a === b) return true;
    const bytes = this.strings;
    if (a >= this.stringEnd || b >= this.stringEnd) return this.isEmptyName(a) && this.isEmptyName(b);
    for (let i = a, j = b; ; i++, j++) {
      const c = bytes[i]!;
      if (c !== bytes[j]) return false;
      if (c === 0) return true;
    }
  }

  /** Whether the string at `off` is empty. */
  isEmptyName(off: number): boolean {
    return off >= this.stringEnd || this.strings[off] === 0;
  }

  /** The type's own name (not de-duplicated), cached as {@link name} caches it. */
  typeName(id: number): string {
    return this.name(this.nameOff(id));
  }

  /**
   * Alignment of a value of type `id` in bytes ({@link TypeLayout.alignOf}): 1 for a packed
   * struct or union, 0 for types without one (void, forward declarations, functions).
   * @throws {BtfError} on a reference loop (only possible in bytes changed after validation).
   */
  alignOf(id: number): number {
    // Memoized: the writer asks for the alignment of every member's type, and most members
    // share a few types (int, u32, list_head) that the layout would walk to each time.
    let a = this.aligns[id]!;
    if (a === UNKNOWN) {
      a = this.layout.alignOf(id);
      this.aligns[id] = a;
    }
    return a;
  }

  /**
   * `sizeof` of type `id` in bytes ({@link TypeLayout.sizeOf}), or -1 when it has none (void,
   * forward declarations, functions) or its size overflows 32 bits.
   */
  resolveSize(id: number): number {
    // Memoized, as alignOf.
    let size = this.sizes[id]!;
    if (size === UNKNOWN) {
      size = this.layout.sizeOf(id);
      if (size <= 0x7fffffff) this.sizes[id] = size;
    }
    return size;
  }
}
