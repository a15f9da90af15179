/**
 * BPF instructions as the kernel sees them: one 8-byte slot each (`struct bpf_insn`), a 16-byte
 * `ld_imm64` being two slots whose second has opcode 0. Instruction indices count slots.
 *
 * @module
 */

import { AsmError } from '../errors.js';

/** Size of one instruction slot in bytes. */
export const INSN_SIZE = 8;

/**
 * One 8-byte instruction slot (`struct bpf_insn`). `off` is signed 16-bit and `imm` signed
 * 32-bit, as the kernel reads them.
 */
export interface Instruction {
  /** Opcode byte: class | size | mode, or class | op | source. */
  code: number;
  /** Destination register, 0-10 (4 bits on the wire). */
  dst: number;
  /** Source register, 0-10, or a pseudo value for calls and `ld_imm64` (4 bits on the wire). */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

/**
 * Decodes instruction slots. In little-endian objects the register byte holds `dst` in its low
 * nibble; in big-endian ones in its high nibble, as the kernel's bitfields lay them out.
 *
 * @throws {@link AsmError} if the length is not a multiple of 8.
 */
export function decodeInstructions(bytes: Uint8Array, littleEndian: boolean): Instruction[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new AsmError(`${bytes.length} bytes of instructions is not a multiple of ${INSN_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / INSN_SIZE;
  const out: Instruction[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * INSN_SIZE;
    const regs = bytes[at + 1] as number;
    out[i] = {
      code: bytes[at] as number,
      dst: littleEndian ? regs & 0x0f : regs >> 4,
      src: littleEndian ? regs >> 4 : regs & 0x0f,
      off: view.getInt16(at + 2, littleEndian),
      imm: view.getInt32(at + 4, littleEndian),
    };
  }
  return out;
}

/**
 * Encodes instruction slots; the inverse of {@link decodeInstructions}. `imm` may be given
 * signed or as its unsigned 32-bit pattern.
 *
 * @throws {@link AsmError} naming the instruction if a field is out of range.
 */
export function encodeInstructions(insns: readonly Instruction[], littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i] as Instruction;
    checkFields(insn, i);
    const at = i * INSN_SIZE;
    bytes[at] = insn.code;
    bytes[at + 1] = littleEndian ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src;
    view.setInt16(at + 2, insn.off, littleEndian);
    view.setInt32(at + 4, insn.imm | 0, littleEndian);
  }
  return bytes;
}

function checkFields(insn: Instruction, i: number): void {
  const { code, dst, src, off, imm } = insn;
  if (!Number.isInteger(code) || code < 0 || code > 0xff) throw new AsmError(`opcode ${code} is not a byte`, i);
  if (!Number.isInteger(dst) || dst < 0 || dst > 15) throw new AsmError(`dst register ${dst} is not 0-15`, i);
  if (!Number.isInteger(src) || src < 0 || src > 15) throw new AsmError(`src register ${src} is not 0-15`, i);
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff)
    throw new AsmError(`offset ${off} is not a signed 16-bit value`, i);
  if (!Number.isInteger(imm) || imm < -0x80000000 || imm > 0xffffffff) {
    throw new AsmError(`immediate ${imm} does not fit in 32 bits`, i);
  }
}

/**
 * The 64-bit constant of an `ld_imm64` whose first slot is `insns[index]`: the low word from
 * the first slot's `imm`, the high word from the second's.
 *
 * @throws {@link AsmError} if the second slot is missing.
 */
export function ldImm64Value(insns: readonly Instruction[], index: number): bigint {
  const lo = insns[index];
  const hi = insns[index + 1];
  if (lo === undefined || hi === undefined) throw new AsmError('ld_imm64 without its second slot', index);
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}

/** Copies an instruction (instructions are plain mutable records; patching works on copies). */
export function cloneInstruction(insn: Instruction): Instruction {
  return { code: insn.code, dst: insn.dst, src: insn.src, off: insn.off, imm: insn.imm };
}
