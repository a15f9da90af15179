/**
 * Parsing `.BTF.ext`: per ELF section, the func_info, line_info and CO-RE relocation records.
 * Each subsection is `u32 rec_size` followed by blocks of `{ u32 sec_name_off; u32 num_info; }`
 * and `num_info` records of `rec_size` bytes; a `rec_size` larger than known is accepted (its
 * tail skipped), as the kernel and libbpf allow for forward compatibility.
 *
 * @module
 */

import { BtfError } from '../../errors.js';
import { CORE_RELO_KIND_MAX, type CoreRelo, type CoreReloKind, isAccessString } from './core-relo.js';
import { type ExtHeader, type ExtRange, parseExtHeader } from './header.js';
import { CORE_RELO_SIZE, FUNC_INFO_SIZE, type FuncInfo, LINE_INFO_SIZE, type LineInfo } from './records.js';

/** Where `.BTF.ext` names come from: the string table of the object's `.BTF`. */
export interface ExtStrings {
  /** The string at `offset`, or `undefined` if out of range. */
  lookup(offset: number): string | undefined;
}

/** The parsed `.BTF.ext` of an object: its records grouped by ELF section name, in file order. */
export interface BtfExt {
  readonly header: ExtHeader;
  readonly funcInfo: ReadonlyMap<string, readonly FuncInfo[]>;
  readonly lineInfo: ReadonlyMap<string, readonly LineInfo[]>;
  readonly coreRelos: ReadonlyMap<string, readonly CoreRelo[]>;
}

/**
 * Parses `.BTF.ext` bytes, resolving section names, file names, source lines and access strings
 * through `strings` (the `.BTF` string table: pass the object's `Spec.strings`).
 *
 * @throws {@link BtfError} with the offset (within `.BTF.ext`) of anything out of bounds: a bad
 *   header, a record size smaller than known or unaligned, blocks or records past their
 *   subsection, an empty block, a string offset out of range, a malformed access string or an
 *   unknown relocation kind.
 */
export function parseBtfExt(bytes: Uint8Array, strings: ExtStrings): BtfExt {
  const header = parseExtHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = header.littleEndian;
  const string = (off: number, at: number, what: string): string => {
    const s = strings.lookup(off);
    if (s === undefined) throw new BtfError(`.BTF.ext: ${what} string offset ${off} is out of range`, { offset: at });
    return s;
  };

  const funcInfo = readSubsection(view, header.funcInfo, le, 'func_info', FUNC_INFO_SIZE, string, (at) => ({
    insnOff: view.getUint32(at, le),
    typeId: view.getUint32(at + 4, le),
  }));
  const lineInfo = readSubsection(view, header.lineInfo, le, 'line_info', LINE_INFO_SIZE, string, (at) => {
    const fileNameOff = view.getUint32(at + 4, le);
    const lineOff = view.getUint32(at + 8, le);
    const lineCol = view.getUint32(at + 12, le);
    return {
      insnOff: view.getUint32(at, le),
      fileNameOff,
      lineOff,
      line: lineCol >>> 10,
      column: lineCol & 0x3ff,
      fileName: string(fileNameOff, at + 4, 'line_info file name'),
      lineText: string(lineOff, at + 8, 'line_info line'),
    };
  });
  const coreRelos = readSubsection(view, header.coreRelo, le, 'core_relo', CORE_RELO_SIZE, string, (at) => {
    const accessOff = view.getUint32(at + 8, le);
    const access = string(accessOff, at + 8, 'core_relo access');
    if (!isAccessString(access))
      throw new BtfError(`.BTF.ext: core_relo access string "${access}" is malformed`, { offset: at + 8 });
    const kind = view.getUint32(at + 12, le);
    if (kind > CORE_RELO_KIND_MAX) throw new BtfError(`.BTF.ext: unknown CO-RE relocation kind ${kind}`, { offset: at + 12 });
    return { insnOff: view.getUint32(at, le), typeId: view.getUint32(at + 4, le), access, kind: kind as CoreReloKind };
  });
  return { header, funcInfo, lineInfo, coreRelos };
}

function readSubsection<T>(
  view: DataView,
  range: ExtRange,
  le: boolean,
  what: string,
  minSize: number,
  string: (off: number, at: number, what: string) => string,
  record: (at: number) => T,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  if (range.len === 0) return out;
  const end = range.off + range.len;
  if (range.len < 4) throw new BtfError(`.BTF.ext: ${what} of ${range.len} bytes has no record size`, { offset: range.off });
  const recSize = view.getUint32(range.off, le);
  if (recSize < minSize || recSize % 4 !== 0) {
    throw new BtfError(`.BTF.ext: ${what} record size ${recSize} is smaller than ${minSize} or not a multiple of 4`, {
      offset: range.off,
    });
  }
  let at = range.off + 4;
  while (at < end) {
    if (end - at < 8) throw new BtfError(`.BTF.ext: ${what} block header runs past the subsection`, { offset: at });
    const nameOff = view.getUint32(at, le);
    const count = view.getUint32(at + 4, le);
    const section = string(nameOff, at, `${what} section name`);
    if (count === 0) throw new BtfError(`.BTF.ext: ${what} block of section ${section} has no records`, { offset: at + 4 });
    at += 8;
    if (count > (end - at) / recSize) {
      throw new BtfError(
        `.BTF.ext: ${what} block of section ${section}: ${count} records of ${recSize} bytes run past the subsection`,
        {
          offset: at - 4,
        },
      );
    }
    let list = out.get(section);
    if (list === undefined) {
      list = [];
      out.set(section, list);
    }
    for (let i = 0; i < count; i++, at += recSize) list.push(record(at));
  }
  return out;
}
