/**
 * BTF's wire layout, in one place: how a type record's `info` word packs kind, vlen and
 * kind_flag, how large each kind's record is, where each kind keeps its type references and
 * name offsets, and how the packed words inside records (an INT's data, a member's offset) read.
 * Every other file reads records through these; none decodes the bits itself.
 *
 * Records are read as host-order 32-bit words (every field of every kind is one u32): `w[o]` is
 * a record's `name_off`, `w[o + 1]` its `info`, `w[o + 2]` its `size`/`type`, then the kind's
 * extra words, then `vlen` items of the kind's item size.
 * @module
 */
import { BtfError, NotSupportedError } from '../errors.js';
import { Kind, MAX_KNOWN_KIND } from './kinds.js';

/** Words of `struct btf_type`: `name_off`, `info`, `size`/`type`. */
export const HEAD_WORDS = 3;
/** Bytes of `struct btf_type`. */
export const TYPE_RECORD_SIZE = 12;

// The info word -------------------------------------------------------------------------------

/** `BTF_INFO_KIND`: bits 24-30 of an info word. */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x7f;
}
/** `BTF_INFO_VLEN`: bits 0-23 of an info word. */
export function infoVlen(info: number): number {
  return info & 0xffffff;
}
/** `BTF_INFO_KFLAG`: bit 31 of an info word. */
export function infoKflag(info: number): boolean {
  return info >>> 31 === 1;
}
/** The info word of a record of `kind` with `vlen` items and kind flag `kflag` (`BTF_INFO_ENC`). */
export function makeInfo(kind: number, vlen: number, kflag: boolean): number {
  return ((kflag ? 0x80000000 : 0) | ((kind & 0x7f) << 24) | (vlen & 0xffffff)) >>> 0;
}

/** Kind of the record at word `o` of `w`. */
export function kindAt(w: Uint32Array, o: number): number {
  return ((w[o + 1] as number) >>> 24) & 0x7f;
}
/** vlen of the record at word `o` of `w`. */
export function vlenAt(w: Uint32Array, o: number): number {
  return (w[o + 1] as number) & 0xffffff;
}
/** Kind flag of the record at word `o` of `w`. */
export function kflagAt(w: Uint32Array, o: number): boolean {
  return (w[o + 1] as number) >>> 31 === 1;
}

// Record sizes --------------------------------------------------------------------------------

/** Bytes after the 12-byte `struct btf_type` that one record of each kind carries, before its vlen items. */
export const INFO_SIZE: readonly number[] = [0, 4, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 4, 0, 0];

/** Bytes per vlen item of each kind (members, enumerators, params, secinfos). */
export const ELEM_SIZE: readonly number[] = [0, 0, 0, 0, 12, 12, 8, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 0, 0, 12];

/** Words before the vlen items of each known kind (head and extra words), by kind number. */
export const BODY_AT: Uint8Array = Uint8Array.from(INFO_SIZE, (b) => HEAD_WORDS + (b >>> 2));
/** Words per vlen item of each known kind, by kind number (0: the kind has no items). */
export const ITEM_WORDS: Uint8Array = Uint8Array.from(ELEM_SIZE, (b) => b >>> 2);

/**
 * The shape of each kind this library knows, by kind number (all 128), as one word so that a
 * walk over records loads one entry per record: words before the items ({@link BODY_AT}) in the
 * low byte, words per item ({@link ITEM_WORDS}) above it; 0 for the kinds it does not know.
 */
export const KNOWN_SHAPE: Int32Array = new Int32Array(128);

/**
 * Words of a record whose info word is `info`, for a kind this library knows; 0 for any other
 * kind (a layout section sizes those). One table load and no calls, for checks run per type.
 */
export function knownRecordWords(info: number): number {
  const shape = KNOWN_SHAPE[(info >>> 24) & 0x7f] as number;
  return (shape & 0xff) + (info & 0xffffff) * (shape >>> 8);
}

/** Whether this library knows the layout of `kind` (else only a layout section describes it). */
export function isKnownKind(kind: number): boolean {
  return kind !== Kind.Unknown && kind <= MAX_KNOWN_KIND;
}

for (let k = 0; k < 128; k++) {
  if (isKnownKind(k)) KNOWN_SHAPE[k] = (BODY_AT[k] as number) | ((ITEM_WORDS[k] as number) << 8);
}

/** Words in a record of `kind` with `vlen` items. @throws {NotSupportedError} for kinds this library does not know. */
export function recordWords(kind: number, vlen: number): number {
  if (!isKnownKind(kind)) throw new NotSupportedError(`cannot write BTF kind ${kind}`);
  return (BODY_AT[kind] as number) + vlen * (ITEM_WORDS[kind] as number);
}

/** Words of the record (of a known kind) at word `o` of `w`. */
export function recordWordsAt(w: Uint32Array, o: number): number {
  const info = w[o + 1] as number;
  const kind = (info >>> 24) & 0x7f;
  return (BODY_AT[kind] as number) + (info & 0xffffff) * (ITEM_WORDS[kind] as number);
}

// Where references and names sit --------------------------------------------------------------

/** Word of an ARRAY record holding its element type (`struct btf_array.type`). */
export const ARRAY_TYPE = 3;
/** Word of an ARRAY record holding its index type (`struct btf_array.index_type`). */
export const ARRAY_INDEX = 4;
/** Word of an ARRAY record holding its element count (`struct btf_array.nelems`). */
export const ARRAY_NELEMS = 5;

/**
 * Word (within the record) of the first type reference in each kind's fixed part, by kind
 * number; 0 when there is none (word 0 is the name, never a reference). PTR, TYPEDEF, the
 * qualifiers, TYPE_TAG, FUNC, VAR, DECL_TAG and FUNC_PROTO (its return type) keep it in
 * `type` (word 2); ARRAY its element type (word 3).
 */
export const REF_FIRST: Uint8Array = new Uint8Array(MAX_KNOWN_KIND + 1);
/** Word of the second type reference in the fixed part, by kind; 0 for none. ARRAY: its index type (word 4). */
export const REF_SECOND: Uint8Array = new Uint8Array(MAX_KNOWN_KIND + 1);
/** Word (within one vlen item) of the item's type reference, by kind; -1 for none. */
export const ITEM_REF: Int8Array = new Int8Array(MAX_KNOWN_KIND + 1).fill(-1);
/** Word (within one vlen item) of the item's name offset, by kind; -1 for none. */
export const ITEM_NAME: Int8Array = new Int8Array(MAX_KNOWN_KIND + 1).fill(-1);

for (const k of [
  Kind.Ptr,
  Kind.Typedef,
  Kind.Volatile,
  Kind.Const,
  Kind.Restrict,
  Kind.Func,
  Kind.TypeTag,
  Kind.Var,
  Kind.DeclTag,
  Kind.FuncProto,
]) {
  REF_FIRST[k] = 2;
}
REF_FIRST[Kind.Array] = ARRAY_TYPE;
REF_SECOND[Kind.Array] = ARRAY_INDEX;
// struct btf_member { name_off, type, offset }
ITEM_NAME[Kind.Struct] = 0;
ITEM_REF[Kind.Struct] = 1;
ITEM_NAME[Kind.Union] = 0;
ITEM_REF[Kind.Union] = 1;
// struct btf_param { name_off, type }
ITEM_NAME[Kind.FuncProto] = 0;
ITEM_REF[Kind.FuncProto] = 1;
// struct btf_enum { name_off, val }, struct btf_enum64 { name_off, val_lo32, val_hi32 }
ITEM_NAME[Kind.Enum] = 0;
ITEM_NAME[Kind.Enum64] = 0;
// struct btf_var_secinfo { type, offset, size }
ITEM_REF[Kind.Datasec] = 0;

/**
 * Calls `fn` with the word index of every type-ID field of the record (of a known kind) at
 * word `o` of `w`, in wire order.
 */
export function forEachRef(w: Uint32Array, o: number, fn: (pos: number) => void): void {
  const info = w[o + 1] as number;
  const kind = (info >>> 24) & 0x7f;
  const a = REF_FIRST[kind] as number;
  if (a !== 0) {
    fn(o + a);
    const b = REF_SECOND[kind] as number;
    if (b !== 0) fn(o + b);
  }
  const r = ITEM_REF[kind] as number;
  if (r < 0) return;
  const step = ITEM_WORDS[kind] as number;
  const vlen = info & 0xffffff;
  for (let k = 0, p = o + (BODY_AT[kind] as number) + r; k < vlen; k++, p += step) fn(p);
}

/**
 * Calls `fn` with the word index of every string-offset field of the record (of a known kind)
 * at word `o` of `w`: its name, then its items' names.
 */
export function forEachStr(w: Uint32Array, o: number, fn: (pos: number) => void): void {
  fn(o);
  const info = w[o + 1] as number;
  const kind = (info >>> 24) & 0x7f;
  const n = ITEM_NAME[kind] as number;
  if (n < 0) return;
  const step = ITEM_WORDS[kind] as number;
  const vlen = info & 0xffffff;
  for (let k = 0, p = o + (BODY_AT[kind] as number) + n; k < vlen; k++, p += step) fn(p);
}

// Packed words inside records -----------------------------------------------------------------

/** `BTF_INT_ENCODING` of an INT's extra word: 1 signed, 2 char, 4 bool. */
export function intEncoding(data: number): number {
  return (data >>> 24) & 0x0f;
}
/** `BTF_INT_OFFSET` of an INT's extra word. */
export function intBitOffset(data: number): number {
  return (data >>> 16) & 0xff;
}
/** `BTF_INT_BITS` of an INT's extra word. */
export function intBits(data: number): number {
  return data & 0xff;
}
/** The bits of an INT's extra word that the format reserves (must be zero). */
export function intReservedBits(data: number): number {
  return (data & 0xf000ff00) >>> 0;
}
/** An INT's extra word from its encoding, bit offset and bits. */
export function makeIntData(encoding: number, bitOffset: number, bits: number): number {
  return (((encoding & 0x0f) << 24) | ((bitOffset & 0xff) << 16) | (bits & 0xff)) >>> 0;
}

/** A member's bit offset from its `offset` word, given its struct's kind flag (`BTF_MEMBER_BIT_OFFSET`). */
export function memberBitOffset(offset: number, kflag: boolean): number {
  return kflag ? offset & 0xffffff : offset;
}
/** A member's bitfield size from its `offset` word, given its struct's kind flag (0: not a bitfield). */
export function memberBitfieldSize(offset: number, kflag: boolean): number {
  return kflag ? offset >>> 24 : 0;
}
/** A member's `offset` word: with the kind flag, bitfield size in the top 8 bits over a 24-bit offset. */
export function makeMemberOffset(bitOffset: number, bitfieldSize: number, kflag: boolean): number {
  return kflag ? ((bitfieldSize << 24) | (bitOffset & 0xffffff)) >>> 0 : bitOffset >>> 0;
}

// Walking raw records -------------------------------------------------------------------------

/**
 * Walks the records of a type section as bytes, unvalidated: for each, its byte offset in
 * `types`, `name_off` and info word. Only known kinds can be walked (a layout section is not
 * consulted); returns `false` at the first record of an unknown kind, `true` at the end.
 * For quick scans of blobs not opened as specs (the name offsets a module's records use).
 * @throws {BtfError} when a record overruns `types`.
 */
export function walkRecords(
  types: Uint8Array,
  littleEndian: boolean,
  visit: (offset: number, nameOff: number, info: number) => void,
): boolean {
  const view = new DataView(types.buffer, types.byteOffset, types.byteLength);
  const end = types.byteLength;
  let pos = 0;
  while (pos < end) {
    if (end - pos < TYPE_RECORD_SIZE) {
      throw new BtfError(`record truncated: ${end - pos} bytes left, want ${TYPE_RECORD_SIZE}`, { offset: pos });
    }
    const nameOff = view.getUint32(pos, littleEndian);
    const info = view.getUint32(pos + 4, littleEndian);
    const kind = (info >>> 24) & 0x7f;
    if (!isKnownKind(kind)) return false;
    const size = ((BODY_AT[kind] as number) + (info & 0xffffff) * (ITEM_WORDS[kind] as number)) * 4;
    if (pos + size > end) throw new BtfError(`record of ${size} bytes overruns the type section`, { offset: pos });
    visit(pos, nameOff, info);
    pos += size;
  }
  return true;
}
