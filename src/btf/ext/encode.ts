/**
 * func_info and line_info as BPF_PROG_LOAD takes them (`struct bpf_func_info`, `struct
 * bpf_line_info` in the host's byte order), with `insn_off` counted in instructions, not bytes
 * as in `.BTF.ext`.
 *
 * @module
 */

import { BtfError } from '../../errors.js';
import { FUNC_INFO_SIZE, LINE_INFO_SIZE } from './records.js';

/** A func_info record for the kernel. */
export interface KernelFuncInfo {
  /** Instruction index. */
  insn: number;
  typeId: number;
}

/** A line_info record for the kernel. */
export interface KernelLineInfo {
  /** Instruction index. */
  insn: number;
  fileNameOff: number;
  lineOff: number;
  line: number;
  column: number;
}

/**
 * `struct bpf_func_info` records (8 bytes each; `func_info_rec_size` is {@link FUNC_INFO_SIZE}).
 *
 * @throws {@link BtfError} for a field that does not fit its 32 bits.
 */
export function encodeFuncInfo(records: readonly KernelFuncInfo[], littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(records.length * FUNC_INFO_SIZE);
  const v = new DataView(out.buffer);
  records.forEach((r, i) => {
    v.setUint32(i * 8, u32(r.insn, 'func_info insn'), littleEndian);
    v.setUint32(i * 8 + 4, u32(r.typeId, 'func_info type ID'), littleEndian);
  });
  return out;
}

/**
 * `struct bpf_line_info` records (16 bytes each; `line_info_rec_size` is {@link LINE_INFO_SIZE}).
 *
 * @throws {@link BtfError} for a field that does not fit (a column past 1023, a line past 2^22).
 */
export function encodeLineInfo(records: readonly KernelLineInfo[], littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(records.length * LINE_INFO_SIZE);
  const v = new DataView(out.buffer);
  records.forEach((r, i) => {
    const at = i * 16;
    if (!Number.isInteger(r.column) || r.column < 0 || r.column > 0x3ff)
      throw new BtfError(`line_info column ${r.column} does not fit 10 bits`);
    if (!Number.isInteger(r.line) || r.line < 0 || r.line > 0x3fffff)
      throw new BtfError(`line_info line ${r.line} does not fit 22 bits`);
    v.setUint32(at, u32(r.insn, 'line_info insn'), littleEndian);
    v.setUint32(at + 4, u32(r.fileNameOff, 'line_info file name'), littleEndian);
    v.setUint32(at + 8, u32(r.lineOff, 'line_info line'), littleEndian);
    v.setUint32(at + 12, ((r.line << 10) | r.column) >>> 0, littleEndian);
  });
  return out;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BtfError(`${what} ${v} does not fit 32 bits`);
  return v;
}
