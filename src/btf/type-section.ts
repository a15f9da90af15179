/**
 * The type section as wire records: one walk at open builds the offsets index, and accessors
 * read fields in place. Nothing here allocates per type.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Header } from './header.js';
import { Kind } from './kinds.js';
import { BODY_AT, ITEM_WORDS, infoKind, infoVlen, isKnownKind, TYPE_RECORD_SIZE } from './wire.js';

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

/** The type records of one BTF blob (not its base's), indexed by local position. */
export class TypeSection {
  readonly littleEndian: boolean;
  /** The type section as host-order 32-bit words (every BTF record field is a 32-bit word). */
  readonly words: Uint32Array;
  /** Word index in {@link words} of each record; `starts[i]` is the i-th own type's `name_off`. */
  readonly starts: Uint32Array;
  /** Number of own types. */
  readonly count: number;
  /** The layout section, when present. */
  readonly layout: readonly KindLayout[];
  private readonly typeOff: number;

  /**
   * Walks the section once, checking that every record's kind is known (or described by the
   * layout section) and that its vlen items fit in the section.
   * @param firstId ID of the first own type, for error messages.
   * @throws {BtfError} naming the type ID and offset of the first bad record.
   */
  constructor(view: DataView, header: Header, firstId: number) {
    this.littleEndian = header.littleEndian;
    this.typeOff = header.typeOff;
    this.layout = header.layoutLen > 0 ? parseLayout(view, header) : [];
    const words = hostWords(view, header);
    this.words = words;
    const end = words.length;
    // Every record is at least 3 words, which bounds the count: no growing and copying.
    const starts = new Uint32Array(Math.ceil(end / 3));
    let n = 0;
    let w = 0;
    while (w < end) {
      const id = firstId + n;
      const at = header.typeOff + w * 4;
      if (end - w < 3) {
        throw new BtfError(`record truncated: ${(end - w) * 4} bytes left, want ${TYPE_RECORD_SIZE}`, { typeId: id, offset: at });
      }
      const info = words[w + 1]!;
      const kind = infoKind(info);
      const vlen = infoVlen(info);
      let size: number;
      if (isKnownKind(kind)) {
        size = (BODY_AT[kind]! + vlen * ITEM_WORDS[kind]!) * 4;
      } else {
        const l = this.layout[kind];
        if (kind === Kind.Unknown || !l) throw new BtfError(`unknown kind ${kind}`, { typeId: id, offset: at });
        size = TYPE_RECORD_SIZE + l.infoSize + vlen * l.elemSize;
        if (size % 4 !== 0)
          throw new BtfError(`layout of kind ${kind} gives a record of ${size} bytes, not whole words`, {
            typeId: id,
            offset: at,
          });
      }
      if (w * 4 + size > end * 4) {
        throw new BtfError(`record of ${size} bytes (vlen ${vlen}) overruns the type section`, { typeId: id, offset: at });
      }
      starts[n++] = w;
      w += size >>> 2;
    }
    // The bound above overestimates about threefold; keep only what is used (a copy of 4n bytes)
    // so that thousands of module specs do not pin the slack.
    this.starts = starts.slice(0, n);
    this.count = n;
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
