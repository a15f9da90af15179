/**
 * The `.BTF.ext` header (`struct btf_ext_header`): magic, version, and where the func_info,
 * line_info and CO-RE relocation subsections lie.
 *
 * @module
 */

import { BtfError } from '../../errors.js';

/** Size of the header up to and including `line_info_len`; every producer writes at least this. */
export const EXT_HEADER_MIN = 24;
/** Size of the header with `core_relo_off` and `core_relo_len`. */
export const EXT_HEADER_CORE = 32;

/** One subsection's bounds, as absolute offsets into the `.BTF.ext` bytes. */
export interface ExtRange {
  /** Absolute offset of the subsection. */
  readonly off: number;
  /** Its length in bytes (0 when absent). */
  readonly len: number;
}

/** A decoded, bounds-checked `.BTF.ext` header. */
export interface ExtHeader {
  readonly littleEndian: boolean;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly funcInfo: ExtRange;
  readonly lineInfo: ExtRange;
  /** Length 0 when the header is too short to carry it. */
  readonly coreRelo: ExtRange;
}

/**
 * Reads and checks the header: magic in either byte order, version 1, flags 0, a header length
 * the data holds, and each subsection (at `hdr_len + off`) inside the data.
 *
 * @throws {@link BtfError} naming the offset of the faulty field.
 */
export function parseExtHeader(bytes: Uint8Array): ExtHeader {
  if (bytes.length < 8) throw new BtfError(`.BTF.ext of ${bytes.length} bytes is too short for a header`, { offset: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(0, true);
  let littleEndian: boolean;
  if (magic === 0xeb9f) littleEndian = true;
  else if (magic === 0x9feb) littleEndian = false;
  else throw new BtfError(`.BTF.ext: bad magic 0x${magic.toString(16).padStart(4, '0')}, want 0xeb9f`, { offset: 0 });
  const version = view.getUint8(2);
  if (version !== 1) throw new BtfError(`.BTF.ext: unsupported version ${version}`, { offset: 2 });
  const flags = view.getUint8(3);
  if (flags !== 0) throw new BtfError(`.BTF.ext: unsupported flags 0x${flags.toString(16)}`, { offset: 3 });
  const hdrLen = view.getUint32(4, littleEndian);
  if (hdrLen < EXT_HEADER_MIN) {
    throw new BtfError(`.BTF.ext: header length ${hdrLen} is shorter than ${EXT_HEADER_MIN}`, { offset: 4 });
  }
  if (hdrLen > bytes.length) {
    throw new BtfError(`.BTF.ext: header length ${hdrLen} runs past the data (${bytes.length} bytes)`, { offset: 4 });
  }
  const range = (at: number, what: string): ExtRange => {
    const off = view.getUint32(at, littleEndian);
    const len = view.getUint32(at + 4, littleEndian);
    if (len === 0) return { off: hdrLen + off, len: 0 };
    if (off % 4 !== 0) throw new BtfError(`.BTF.ext: ${what} offset ${off} is not 4-byte aligned`, { offset: at });
    if (hdrLen + off + len > bytes.length) {
      throw new BtfError(`.BTF.ext: ${what} (${len} bytes at ${hdrLen + off}) runs past the data (${bytes.length} bytes)`, {
        offset: at,
      });
    }
    return { off: hdrLen + off, len };
  };
  return {
    littleEndian,
    version,
    flags,
    hdrLen,
    funcInfo: range(8, 'func_info'),
    lineInfo: range(16, 'line_info'),
    coreRelo: hdrLen >= EXT_HEADER_CORE ? range(24, 'core_relo') : { off: hdrLen, len: 0 },
  };
}
