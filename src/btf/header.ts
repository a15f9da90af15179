/**
 * The BTF header: magic, version, section offsets, and byte order.
 * @module
 */
import { BtfError } from '../errors.js';
import { ruleError } from './validate-rules.js';

/** `0xeB9F` as stored by a little-endian producer. */
export const BTF_MAGIC = 0xeb9f;
/** The only BTF version defined. */
export const BTF_VERSION = 1;
/** Size of the classic header (through `str_len`). */
export const HEADER_SIZE = 24;
/** Size of the header with the layout section fields (`layout_off`, `layout_len`). */
export const HEADER_SIZE_LAYOUT = 32;

/** A decoded, bounds-checked BTF header. Section offsets are absolute (from the blob's start). */
export interface Header {
  /** Whether the blob is little-endian (the magic reads 0xeb9f that way). */
  readonly littleEndian: boolean;
  /** The format version: 1. */
  readonly version: number;
  /** Header flags: 0 (none are defined). */
  readonly flags: number;
  /** Length of the header in bytes: 24, or 32 with a layout section. */
  readonly hdrLen: number;
  /** Absolute offset and length of the type section. */
  readonly typeOff: number;
  /** Length of the type section in bytes. */
  readonly typeLen: number;
  /** Absolute offset and length of the string section. */
  readonly strOff: number;
  /** Length of the string section in bytes. */
  readonly strLen: number;
  /** Absolute offset and length of the layout section; length 0 when absent. */
  readonly layoutOff: number;
  /** Length of the layout section in bytes; 0 when absent. */
  readonly layoutLen: number;
}

/** A DataView over exactly the bytes of `bytes`, sharing its buffer. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads and checks the header the way the kernel's `btf_parse_hdr` does: magic (either byte order),
 * version, a header length the blob holds, sections inside the blob, 4-byte aligned type section,
 * no overlap between sections, and any header bytes past the known fields all zero.
 * @throws {BtfRuleError} naming the offset of the faulty field and the kernel's rule.
 */
export function parseHeader(bytes: Uint8Array): Header {
  return peekHeader(bytes, bytes.byteLength);
}

/**
 * Reads and checks a header (as {@link parseHeader} does) from the first bytes of a blob of
 * `size` bytes, without the rest: to learn where the sections lie before reading them (a file's
 * first 32 bytes are enough). `head` must hold the whole header (its `hdr_len` bytes).
 * @throws {BtfRuleError} naming the offset of the faulty field and the kernel's rule.
 * @throws {BtfError} when `head` is shorter than the header it starts.
 */
export function peekHeader(head: Uint8Array, size: number): Header {
  const bytes = head;
  if (size < 8) throw ruleError('header-short', `blob of ${size} bytes is too short for a BTF header`, undefined, 0);
  if (bytes.byteLength < 8) {
    throw new BtfError(`${bytes.byteLength} bytes given, fewer than a BTF header's fixed part`, { offset: 0 });
  }
  const view = viewOf(bytes);
  const magic = view.getUint16(0, true);
  let littleEndian: boolean;
  if (magic === BTF_MAGIC) littleEndian = true;
  else if (magic === 0x9feb) littleEndian = false;
  else throw ruleError('header-magic', `bad magic 0x${magic.toString(16).padStart(4, '0')}, want 0xeb9f`, undefined, 0);

  const version = view.getUint8(2);
  if (version !== BTF_VERSION) throw ruleError('header-version', `unsupported version ${version}`, undefined, 2);
  const flags = view.getUint8(3);
  if (flags !== 0) throw ruleError('header-flags', `unsupported flags 0x${flags.toString(16)}`, undefined, 3);

  const hdrLen = view.getUint32(4, littleEndian);
  if (hdrLen < HEADER_SIZE) throw ruleError('header-length', `header length ${hdrLen} is below ${HEADER_SIZE}`, undefined, 4);
  if (hdrLen > size) {
    throw ruleError('header-length', `header length ${hdrLen} overruns the ${size}-byte blob`, undefined, 4);
  }
  if (hdrLen > bytes.byteLength) {
    throw new BtfError(`header length ${hdrLen} is past the ${bytes.byteLength} bytes given`, { offset: 4 });
  }
  // Header bytes past the fields we know must be zero: the kernel's btf_parse_hdr() applies the same
  // "unknown tail is zero" rule, so a newer producer's section is never silently ignored.
  const known = hdrLen >= HEADER_SIZE_LAYOUT ? HEADER_SIZE_LAYOUT : HEADER_SIZE;
  for (let i = known; i < hdrLen; i++) {
    if (view.getUint8(i) !== 0) throw ruleError('header-unknown', 'unknown non-zero header field', undefined, i);
  }

  const u32 = (off: number) => view.getUint32(off, littleEndian);
  const typeOff = u32(8);
  const typeLen = u32(12);
  const strOff = u32(16);
  const strLen = u32(20);
  const layoutOff = known === HEADER_SIZE_LAYOUT ? u32(24) : 0;
  const layoutLen = known === HEADER_SIZE_LAYOUT ? u32(28) : 0;
  const payload = size - hdrLen;

  const section = (name: string, off: number, len: number, field: number) => {
    if (off > payload) {
      throw ruleError('section-offset', `${name} section at ${off} starts past the ${payload}-byte payload`, undefined, field);
    }
    if (off + len > payload) {
      throw ruleError(
        'section-length',
        `${name} section [${off}, ${off + len}) overruns the ${payload}-byte payload`,
        undefined,
        field + 4,
      );
    }
  };
  section('type', typeOff, typeLen, 8);
  section('string', strOff, strLen, 16);
  if (layoutLen > 0) section('layout', layoutOff, layoutLen, 24);
  if (typeOff % 4 !== 0)
    throw ruleError('type-section-align', `type section offset ${typeOff} is not 4-byte aligned`, undefined, 8);
  // The kernel reads the last whole words as a record and refuses the rest as one cut short.
  if (typeLen % 4 !== 0) {
    throw ruleError('record-truncated', `type section length ${typeLen} is not a multiple of 4`, undefined, 12);
  }

  const ranges = [
    { name: 'type', off: typeOff, len: typeLen },
    { name: 'string', off: strOff, len: strLen },
    { name: 'layout', off: layoutOff, len: layoutLen },
  ].filter((r) => r.len > 0);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.off < b.off + b.len && b.off < a.off + a.len) {
        throw ruleError('section-overlap', `${a.name} and ${b.name} sections overlap`, undefined, 8);
      }
    }
  }
  if (layoutLen % 4 !== 0) {
    throw ruleError('layout-section', `layout section length ${layoutLen} is not a multiple of 4`, undefined, 28);
  }

  return {
    littleEndian,
    version,
    flags,
    hdrLen,
    typeOff: hdrLen + typeOff,
    typeLen,
    strOff: hdrLen + strOff,
    strLen,
    layoutOff: hdrLen + layoutOff,
    layoutLen,
  };
}
