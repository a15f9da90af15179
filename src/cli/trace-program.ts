/**
 * The counting program `tsbpf trace` attaches: written with the instruction encoding, no
 * compiler at run time. It adds one to the u64 at key 0 of a one-entry per-CPU array, so calls
 * on every CPU count without contention.
 *
 * @module
 */

import type { Instruction } from '../asm/instruction.js';
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_CALL,
  BPF_DW,
  BPF_EXIT,
  BPF_IMM,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_PSEUDO_MAP_FD,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_X,
} from '../asm/opcodes.js';

const R0 = 0;
const R1 = 1;
const R2 = 2;
const R10 = 10;
const BPF_FUNC_map_lookup_elem = 1;

const insn = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({ code, dst, src, off, imm });

/** Instructions that count one call into the per-CPU array behind `mapFd` and return 0. */
export function countingProgram(mapFd: number): Instruction[] {
  return [
    insn(BPF_ST | BPF_MEM | BPF_W, R10, 0, -4, 0), // *(u32 *)(r10 - 4) = 0
    insn(BPF_LD | BPF_IMM | BPF_DW, R1, BPF_PSEUDO_MAP_FD, 0, mapFd), // r1 = map
    insn(0, 0, 0, 0, 0),
    insn(BPF_ALU64 | BPF_MOV | BPF_X, R2, R10, 0, 0), // r2 = r10
    insn(BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, -4), // r2 += -4
    insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem), // r0 = lookup(r1, r2)
    insn(BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 3, 0), // if r0 == 0 goto out
    insn(BPF_LDX | BPF_MEM | BPF_DW, R1, R0, 0, 0), // r1 = *(u64 *)r0
    insn(BPF_ALU64 | BPF_ADD | BPF_K, R1, 0, 0, 1), // r1 += 1
    insn(BPF_STX | BPF_MEM | BPF_DW, R0, R1, 0, 0), // *(u64 *)r0 = r1
    insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0), // out: r0 = 0
    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  ];
}
