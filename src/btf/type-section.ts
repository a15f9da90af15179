/**
 * The type section as wire records: one walk at open builds the offsets index, and accessors
 * read fields in place. Nothing here allocates per type.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Header } from './header.js';
import { ELEM_SIZE, INFO_SIZE, Kind, MAX_KNOWN_KIND } from './kinds.js';

/** Size of `struct btf_type`. */
export const TYPE_RECORD_SIZE = 12;

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

/** The type records of one BTF blob (not its base's), indexed by local position. */
export class TypeSection {
  readonly view: DataView;
  readonly littleEndian: boolean;
  /** Absolute offsets of each record; `offsets[i]` is the record of the i-th own type. */
  readonly offsets: Uint32Array;
  /** Number of own types. */
  readonly count: number;
  /** The layout section, when present. */
  readonly layout: readonly KindLayout[];

  /**
   * Walks the section once, checking that every record's kind is known (or described by the
   * layout section) and that its vlen items fit in the section.
   * @param firstId ID of the first own type, for error messages.
   * @throws {BtfError} naming the type ID and offset of the first bad record.
   */
  constructor(view: DataView, header: Header, firstId: number) {
    this.view = view;
    this.littleEndian = header.littleEndian;
    this.layout = header.layoutLen > 0 ? parseLayout(view, header) : [];
    const le = header.littleEndian;
    const end = header.typeOff + header.typeLen;
    let offsets = new Uint32Array(Math.max(16, header.typeLen >>> 5));
    let n = 0;
    let pos = header.typeOff;
    while (pos < end) {
      const id = firstId + n;
      if (end - pos < TYPE_RECORD_SIZE) {
        throw new BtfError(`record truncated: ${end - pos} bytes left, want ${TYPE_RECORD_SIZE}`, { typeId: id, offset: pos });
      }
      const info = view.getUint32(pos + 4, le);
      const kind = (info >>> 24) & 0x7f;
      const vlen = info & 0xffffff;
      let size: number;
      if (kind !== Kind.Unknown && kind <= MAX_KNOWN_KIND) {
        size = TYPE_RECORD_SIZE + INFO_SIZE[kind]! + vlen * ELEM_SIZE[kind]!;
      } else {
        const l = this.layout[kind];
        if (kind === Kind.Unknown || !l) throw new BtfError(`unknown kind ${kind}`, { typeId: id, offset: pos });
        size = TYPE_RECORD_SIZE + l.infoSize + vlen * l.elemSize;
      }
      if (pos + size > end) {
        throw new BtfError(`record of ${size} bytes (vlen ${vlen}) overruns the type section`, { typeId: id, offset: pos });
      }
      if (n === offsets.length) {
        const grown = new Uint32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[n++] = pos;
      pos += size;
    }
    this.offsets = offsets.subarray(0, n);
    this.count = n;
  }

  /** Absolute offset of the i-th record. */
  offset(i: number): number {
    return this.offsets[i]!;
  }
  nameOff(i: number): number {
    return this.view.getUint32(this.offsets[i]!, this.littleEndian);
  }
  info(i: number): number {
    return this.view.getUint32(this.offsets[i]! + 4, this.littleEndian);
  }
  kind(i: number): number {
    return (this.info(i) >>> 24) & 0x7f;
  }
  /** `size` or `type`, the union in `struct btf_type`. */
  sizeOrType(i: number): number {
    return this.view.getUint32(this.offsets[i]! + 8, this.littleEndian);
  }
  /** A u32 at `byte` bytes past the 12-byte record head. */
  u32(i: number, byte: number): number {
    return this.view.getUint32(this.offsets[i]! + TYPE_RECORD_SIZE + byte, this.littleEndian);
  }
  /** A signed i32 at `byte` bytes past the 12-byte record head. */
  i32(i: number, byte: number): number {
    return this.view.getInt32(this.offsets[i]! + TYPE_RECORD_SIZE + byte, this.littleEndian);
  }
}

/** `vlen` of an info word (24 bits). */
export function infoVlen(info: number): number {
  return info & 0xffffff;
}
/** `kind` of an info word (7 bits). */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x7f;
}
/** `kind_flag` of an info word. */
export function infoKflag(info: number): boolean {
  return info >>> 31 === 1;
}
