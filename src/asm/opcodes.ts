/**
 * BPF opcode constants (as in the kernel's `linux/bpf_common.h` and `linux/bpf.h`) and small
 * predicates over one instruction. An opcode byte is `class | size | mode` for loads and stores,
 * and `class | op | source` for ALU and jump instructions.
 *
 * @module
 */

import type { Instruction } from './instruction.js';

// Instruction classes (low 3 bits).
/** Class: legacy and 64-bit immediate loads (`ld_imm64`, `ld_abs`, `ld_ind`). */
export const BPF_LD = 0x00;
/** Class: loads from memory into a register. */
export const BPF_LDX = 0x01;
/** Class: stores of an immediate. */
export const BPF_ST = 0x02;
/** Class: stores of a register, and atomic operations. */
export const BPF_STX = 0x03;
/** Class: 32-bit arithmetic. */
export const BPF_ALU = 0x04;
/** Class: 64-bit jumps, calls and exit. */
export const BPF_JMP = 0x05;
/** Class: 32-bit jumps. */
export const BPF_JMP32 = 0x06;
/** Class: 64-bit arithmetic. */
export const BPF_ALU64 = 0x07;

// Sizes (bits 3-4) of loads and stores.
/** Size: 4 bytes. */
export const BPF_W = 0x00;
/** Size: 2 bytes. */
export const BPF_H = 0x08;
/** Size: 1 byte. */
export const BPF_B = 0x10;
/** Size: 8 bytes. */
export const BPF_DW = 0x18;

// Modes (bits 5-7) of loads and stores.
/** Mode: immediate (`ld_imm64` with `BPF_DW`). */
export const BPF_IMM = 0x00;
/** Mode: legacy packet access at an absolute offset. */
export const BPF_ABS = 0x20;
/** Mode: legacy packet access at a register-relative offset. */
export const BPF_IND = 0x40;
/** Mode: regular memory access `*(size *)(reg + off)`. */
export const BPF_MEM = 0x60;
/** Mode: sign-extending load. */
export const BPF_MEMSX = 0x80;
/** Mode: atomic operation (on `BPF_STX`); the operation is in `imm`. */
export const BPF_ATOMIC = 0xc0;

// Source operand (bit 3) of ALU and jump instructions.
/** Source: the immediate. */
export const BPF_K = 0x00;
/** Source: the `src` register. */
export const BPF_X = 0x08;

// ALU operations (bits 4-7).
/** ALU: `dst += src`. */
export const BPF_ADD = 0x00;
/** ALU: `dst -= src`. */
export const BPF_SUB = 0x10;
/** ALU: `dst *= src`. */
export const BPF_MUL = 0x20;
/** ALU: `dst /= src` (unsigned, or signed when `off` is 1). */
export const BPF_DIV = 0x30;
/** ALU: `dst |= src`. */
export const BPF_OR = 0x40;
/** ALU: `dst &= src`. */
export const BPF_AND = 0x50;
/** ALU: `dst <<= src`. */
export const BPF_LSH = 0x60;
/** ALU: `dst >>= src` (logical). */
export const BPF_RSH = 0x70;
/** ALU: `dst = -dst`. */
export const BPF_NEG = 0x80;
/** ALU: `dst %= src` (unsigned, or signed when `off` is 1). */
export const BPF_MOD = 0x90;
/** ALU: `dst ^= src`. */
export const BPF_XOR = 0xa0;
/** ALU: `dst = src` (sign-extending when `off` is 8, 16 or 32). */
export const BPF_MOV = 0xb0;
/** ALU: `dst s>>= src`. */
export const BPF_ARSH = 0xc0;
/** ALU: byte swap (`BPF_TO_LE`/`BPF_TO_BE` in the source bit; unconditional in `BPF_ALU64`). */
export const BPF_END = 0xd0;
/** Byte swap to little endian (source bit of `BPF_END`). */
export const BPF_TO_LE = 0x00;
/** Byte swap to big endian (source bit of `BPF_END`). */
export const BPF_TO_BE = 0x08;

// Jump operations (bits 4-7).
/** Jump: unconditional (`goto`; with `BPF_JMP32` the offset is in `imm`). */
export const BPF_JA = 0x00;
/** Jump if equal. */
export const BPF_JEQ = 0x10;
/** Jump if greater (unsigned). */
export const BPF_JGT = 0x20;
/** Jump if greater or equal (unsigned). */
export const BPF_JGE = 0x30;
/** Jump if `dst & src`. */
export const BPF_JSET = 0x40;
/** Jump if not equal. */
export const BPF_JNE = 0x50;
/** Jump if greater (signed). */
export const BPF_JSGT = 0x60;
/** Jump if greater or equal (signed). */
export const BPF_JSGE = 0x70;
/** Call a helper, a subprogram (`BPF_PSEUDO_CALL`) or a kfunc (`BPF_PSEUDO_KFUNC_CALL`). */
export const BPF_CALL = 0x80;
/** Return from the program or subprogram. */
export const BPF_EXIT = 0x90;
/** Jump if less (unsigned). */
export const BPF_JLT = 0xa0;
/** Jump if less or equal (unsigned). */
export const BPF_JLE = 0xb0;
/** Jump if less (signed). */
export const BPF_JSLT = 0xc0;
/** Jump if less or equal (signed). */
export const BPF_JSLE = 0xd0;

// Atomic operations (in `imm` of `BPF_STX | BPF_ATOMIC`).
/** Atomic modifier: the old value is returned in `src` (or `r0` for cmpxchg). */
export const BPF_FETCH = 0x01;
/** Atomic exchange. */
export const BPF_XCHG = 0xe0 | BPF_FETCH;
/** Atomic compare-and-exchange against `r0`. */
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// `src` of the first slot of `ld_imm64`.
/** `ld_imm64`: `imm` is a map fd (after loading) or, in objects, a map reference. */
export const BPF_PSEUDO_MAP_FD = 1;
/** `ld_imm64`: address of a map value: map fd in the first `imm`, offset in the second. */
export const BPF_PSEUDO_MAP_VALUE = 2;
/** `ld_imm64`: a kernel variable by BTF ID (first `imm`) in the object of fd (second `imm`). */
export const BPF_PSEUDO_BTF_ID = 3;
/** `ld_imm64`: address of a subprogram, `imm` the instruction offset relative to the next. */
export const BPF_PSEUDO_FUNC = 4;
/** `ld_imm64`: `imm` is an index into `fd_array` naming a map. */
export const BPF_PSEUDO_MAP_IDX = 5;
/** `ld_imm64`: map value by `fd_array` index, offset in the second `imm`. */
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// `src` of a call.
/** Call: `imm` is the helper ID. */
export const BPF_HELPER_CALL = 0;
/** Call: a subprogram, `imm` the instruction offset relative to the next instruction. */
export const BPF_PSEUDO_CALL = 1;
/** Call: a kfunc, `imm` its BTF ID and `off` its object's slot in `fd_array` (0 = vmlinux). */
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** The class bits of an opcode. */
export function insnClass(code: number): number {
  return code & 0x07;
}

/** The size bits of a load or store opcode. */
export function insnSize(code: number): number {
  return code & 0x18;
}

/** The mode bits of a load or store opcode. */
export function insnMode(code: number): number {
  return code & 0xe0;
}

/** The operation bits of an ALU or jump opcode. */
export function insnOp(code: number): number {
  return code & 0xf0;
}

/** The source bit of an ALU or jump opcode. */
export function insnSource(code: number): number {
  return code & 0x08;
}

/** Bytes accessed by a load or store of the given size bits. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size & 0x18) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

/** Whether `insn` is the first slot of a 16-byte `ld_imm64` (`BPF_LD | BPF_IMM | BPF_DW`). */
export function isLdImm64(insn: Instruction): boolean {
  return insn.code === (BPF_LD | BPF_IMM | BPF_DW);
}

/** Whether `insn` is a call of any kind (helper, subprogram, kfunc). */
export function isCall(insn: Instruction): boolean {
  return insn.code === (BPF_JMP | BPF_CALL);
}

/** Whether `insn` calls a helper by ID. */
export function isHelperCall(insn: Instruction): boolean {
  return isCall(insn) && insn.src === BPF_HELPER_CALL;
}

/** Whether `insn` is a bpf-to-bpf call of a subprogram (`BPF_PSEUDO_CALL`). */
export function isPseudoCall(insn: Instruction): boolean {
  return isCall(insn) && insn.src === BPF_PSEUDO_CALL;
}

/** Whether `insn` calls a kfunc (`BPF_PSEUDO_KFUNC_CALL`). */
export function isKfuncCall(insn: Instruction): boolean {
  return isCall(insn) && insn.src === BPF_PSEUDO_KFUNC_CALL;
}

/** Whether `insn` loads a subprogram's address for a callback (`ld_imm64` with `BPF_PSEUDO_FUNC`). */
export function isPseudoFunc(insn: Instruction): boolean {
  return isLdImm64(insn) && insn.src === BPF_PSEUDO_FUNC;
}

/** Whether `insn` is `exit`. */
export function isExit(insn: Instruction): boolean {
  return insn.code === (BPF_JMP | BPF_EXIT);
}

/** Whether `insn` is a jump with a pc-relative target in `off` (or `imm` for `gotol`): not call nor exit. */
export function isJump(insn: Instruction): boolean {
  const cls = insnClass(insn.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = insnOp(insn.code);
  return op !== BPF_CALL && op !== BPF_EXIT;
}

/** Whether `insn` is an ALU instruction (`BPF_ALU` or `BPF_ALU64`). */
export function isAlu(insn: Instruction): boolean {
  const cls = insnClass(insn.code);
  return cls === BPF_ALU || cls === BPF_ALU64;
}

/** Whether `insn` loads from memory into a register (`BPF_LDX | BPF_MEM` or `BPF_MEMSX`). */
export function isLoad(insn: Instruction): boolean {
  const mode = insnMode(insn.code);
  return insnClass(insn.code) === BPF_LDX && (mode === BPF_MEM || mode === BPF_MEMSX);
}

/** Whether `insn` stores to memory (`BPF_ST | BPF_MEM` or `BPF_STX | BPF_MEM`). */
export function isStore(insn: Instruction): boolean {
  const cls = insnClass(insn.code);
  return (cls === BPF_ST || cls === BPF_STX) && insnMode(insn.code) === BPF_MEM;
}
