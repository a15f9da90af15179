/**
 * The type section as wire records: one walk at open builds the offsets index, and accessors
 * read fields in place. Nothing here allocates per type.
 * @module
 */
import type { Header } from './header.js';
import { Kind } from './kinds.js';
import { ruleError } from './validate-rules.js';
import { BODY_AT, ITEM_WORDS, infoKind, infoVlen, isKnownKind, KNOWN_SHAPE, TYPE_RECORD_SIZE } from './wire.js';

export { TYPE_RECORD_SIZE } from './wire.js';

/** Per-kind record sizes from the optional layout section (kernel 7.1+). */
export interface KindLayout {
  readonly infoSize: number;
  readonly elemSize: number;
}

/**
 * Reads the layout section: one `struct btf_layout { u8 info_sz; u8 elem_sz; u16 flags; }` per kind,
 * indexed by kind number. It lets a parser skip kinds newer than itself.
 */
export function parseLayout(view: DataView, header: Header): KindLayout[] {
  const layouts: KindLayout[] = [];
  for (let off = header.layoutOff; off < header.layoutOff + header.layoutLen; off += 4) {
    layouts.push({ infoSize: view.getUint8(off), elemSize: view.getUint8(off + 1) });
  }
  return layouts;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The section's words in host byte order: a view into the blob when it is aligned and in host
 * order (the usual case: sysfs files and raw BTF files), else a converted copy, made once.
 */
function hostWords(view: DataView, header: Header): Uint32Array {
  const start = view.byteOffset + header.typeOff;
  if (header.littleEndian === HOST_LITTLE_ENDIAN && start % 4 === 0) {
    return new Uint32Array(view.buffer, start, header.typeLen >>> 2);
  }
  const words = new Uint32Array(header.typeLen >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(header.typeOff + i * 4, header.littleEndian);
  return words;
}

/**
 * Where {@link indexRecords} gathers record starts before copying them out at the exact count:
 * one buffer for the process, grown to the largest section met (vmlinux: some 130,000 records,
 * half a megabyte). A fresh array per open, sized for the worst case, was a zeroed allocation
 * over twice the index's size each time vmlinux was opened again, and one more allocation and
 * free for each of a kernel's thousands of modules. Only this synchronous function uses it.
 */
let scratchStarts = new Uint32Array(4096);

/**
 * Walks the records of `words` once, checking that each record's kind is known (or described by
 * `layout`) and that its vlen items fit in the section, and leaves the word index of each in
 * {@link scratchStarts}; returns how many there are.
 *
 * A free function rather than the constructor's loop, and with the rare cases in
 * {@link recordWordsSlow}: opening every module of a kernel runs it thousands of times on short
 * sections, and a loop inside a constructor was optimized on entry (OSR) and then thrown away at
 * the code after it, over and over.
 * @throws {BtfRuleError} naming the type ID and offset of the first bad record and the rule.
 */
function indexRecords(words: Uint32Array, layout: readonly KindLayout[], typeOff: number, firstId: number): number {
  const end = words.length;
  // Every record is at least three words, so a third of the words is room for every start: the
  // walk never leaves its loop to grow the buffer (only the pages it writes cost memory).
  if (scratchStarts.length < Math.ceil(end / 3)) scratchStarts = new Uint32Array(Math.ceil(end / 3));
  const starts = scratchStarts;
  const last = end - 3;
  let n = 0;
  let w = 0;
  for (;;) {
    // The common case in a loop of its own, one exit test per record: each record's size
    // depends on a word of the previous one, so the walk waits on memory and every extra test
    // shows (vmlinux has some 130,000 records).
    while (w <= last) {
      const info = words[w + 1] as number;
      const shape = KNOWN_SHAPE[(info >>> 24) & 0x7f] as number;
      const size = (shape & 0xff) + (info & 0xffffff) * (shape >>> 8);
      if (size === 0 || size > end - w) break;
      starts[n++] = w;
      w += size;
    }
    if (w === end) break;
    // A kind the layout section sizes, or a fault.
    starts[n] = w;
    w += recordWordsSlow(words, w, layout, typeOff, firstId + n);
    n++;
  }
  return n;
}

/** The record starts {@link indexRecords} left, copied out at their exact count. */
function takeStarts(n: number): Uint32Array {
  // Exactly as long as the count: thousands of module specs must not pin the slack.
  return scratchStarts.slice(0, n);
}

/** Shared by every section without a layout section. */
const NO_LAYOUT: readonly KindLayout[] = Object.freeze([]);

/**
 * Words of the record at word `w` for what the fast path of {@link indexRecords} leaves: kinds
 * sized by the layout section, and every fault.
 * @throws {BtfRuleError} naming type `id` and the record's offset.
 */
function recordWordsSlow(words: Uint32Array, w: number, layout: readonly KindLayout[], typeOff: number, id: number): number {
  const end = words.length;
  const at = typeOff + w * 4;
  if (end - w < 3) {
    throw ruleError('record-truncated', `record truncated: ${(end - w) * 4} bytes left, want ${TYPE_RECORD_SIZE}`, id, at);
  }
  const info = words[w + 1] as number;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  let size: number;
  if (isKnownKind(kind)) {
    size = ((BODY_AT[kind] as number) + vlen * (ITEM_WORDS[kind] as number)) * 4;
  } else {
    const l = layout[kind];
    if (kind === Kind.Unknown || !l) throw ruleError('kind-unknown', `unknown kind ${kind}`, id, at + 4);
    size = TYPE_RECORD_SIZE + l.infoSize + vlen * l.elemSize;
    if (size % 4 !== 0)
      throw ruleError('layout-section', `layout of kind ${kind} gives a record of ${size} bytes, not whole words`, id, at);
  }
  if (w * 4 + size > end * 4) {
    throw ruleError('record-truncated', `record of ${size} bytes (vlen ${vlen}) overruns the type section`, id, at);
  }
  return size >>> 2;
}

/** The type records of one BTF blob (not its base's), indexed by local position. */
export class TypeSection {
  readonly littleEndian: boolean;
  /** The type section as host-order 32-bit words (every BTF record field is a 32-bit word). */
  readonly words: Uint32Array;
  /** Number of own types. */
  readonly count: number;
  /** The layout section, when present. */
  readonly layout: readonly KindLayout[];
  private readonly typeOff: number;
  private readonly firstId: number;
  /** The record starts once kept; `undefined` until first asked for, when opened lazily. */
  private kept: Uint32Array | undefined;

  /**
   * Walks the section once, checking that every record's kind is known (or described by the
   * layout section) and that its vlen items fit in the section.
   * @param firstId ID of the first own type, for error messages.
   * @param lazy keep no record index until {@link starts} is first read (walking again then).
   * @throws {BtfRuleError} naming the type ID and offset of the first bad record and the rule.
   */
  constructor(view: DataView, header: Header, firstId: number, lazy = false) {
    this.littleEndian = header.littleEndian;
    this.typeOff = header.typeOff;
    this.firstId = firstId;
    this.layout = header.layoutLen > 0 ? parseLayout(view, header) : NO_LAYOUT;
    this.words = hostWords(view, header);
    this.count = indexRecords(this.words, this.layout, header.typeOff, firstId);
    this.kept = lazy ? undefined : takeStarts(this.count);
  }

  /**
   * Word index in {@link words} of each record; `starts[i]` is the i-th own type's `name_off`.
   * A lazily opened section walks its records again the first time (its bytes must not have
   * changed since, as for every read of a spec).
   */
  get starts(): Uint32Array {
    return this.kept ?? this.keep();
  }

  private keep(): Uint32Array {
    this.kept = takeStarts(indexRecords(this.words, this.layout, this.typeOff, this.firstId));
    return this.kept;
  }

  /** Absolute byte offset of the i-th record. */
  offset(i: number): number {
    return this.typeOff + this.starts[i]! * 4;
  }
  nameOff(i: number): number {
    return this.words[this.starts[i]!]!;
  }
  info(i: number): number {
    return this.words[this.starts[i]! + 1]!;
  }
  kind(i: number): number {
    return infoKind(this.words[this.starts[i]! + 1]!);
  }
  /** `size` or `type`, the union in `struct btf_type`. */
  sizeOrType(i: number): number {
    return this.words[this.starts[i]! + 2]!;
  }
  /** The u32 at `byte` (a multiple of 4) bytes past the 12-byte record head. */
  u32(i: number, byte: number): number {
    return this.words[this.starts[i]! + 3 + (byte >>> 2)]!;
  }
  /** The same word read as a signed i32. */
  i32(i: number, byte: number): number {
    return this.words[this.starts[i]! + 3 + (byte >>> 2)]! | 0;
  }
}
