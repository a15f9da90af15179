/**
 * An assembler for writing BPF programs in TypeScript: instructions by mnemonic, labels for
 * jumps, bpf-to-bpf calls and callbacks, and symbolic references to maps, global data, kfuncs
 * and kernel symbols that the loader resolves (the same reference records the object reader
 * produces).
 *
 * ```ts
 * const a = new Assembler();
 * a.mov64(R1, 0).stx(BPF_W, R10, -4, R1) // key = 0
 *   .mov64(R2, R10).add64(R2, -4)
 *   .ldMap(R1, 'counts').call('bpf_map_lookup_elem')
 *   .jeq(R0, 0, 'out')
 *   .mov64(R1, 1).atomicAdd(BPF_DW, R0, 0, R1)
 *   .label('out').mov64(R0, 0).exit();
 * const { instructions, references } = a.assemble();
 * ```
 *
 * @module
 */

import { AsmError } from '../errors.js';
import { helperId } from './helpers.js';
import type { Instruction } from './instruction.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_X,
  BPF_XOR,
} from './opcodes.js';

/** A register. Registers are objects so that a bare number is always an immediate. */
export interface Register {
  /** The register's number, 0-10. */
  readonly reg: number;
}

const r = (n: number): Register => Object.freeze({ reg: n });
/** Return value, and the result of calls. */
export const R0 = r(0);
/** First argument (the context on entry). */
export const R1 = r(1);
/** Second argument. */
export const R2 = r(2);
/** Third argument. */
export const R3 = r(3);
/** Fourth argument. */
export const R4 = r(4);
/** Fifth argument (R1-R5 are not preserved across calls). */
export const R5 = r(5);
/** Callee-saved. */
export const R6 = r(6);
/** Callee-saved. */
export const R7 = r(7);
/** Callee-saved. */
export const R8 = r(8);
/** Callee-saved. */
export const R9 = r(9);
/** The read-only frame pointer. */
export const R10 = r(10);

/** A source operand: a register, or a number (a 32-bit immediate). */
export type Operand = Register | number;

/** References the assembler leaves to the loader: the object reader's record shapes. */
export type AsmReference =
  | { kind: 'map'; insn: number; map: string }
  | { kind: 'map-value'; insn: number; map: string; offset: number }
  | { kind: 'kfunc'; insn: number; extern: string }
  | { kind: 'ksym'; insn: number; extern: string };

/** What {@link Assembler.assemble} produces. */
export interface Assembled {
  /** The program, one entry per 8-byte slot (`ld_imm64` takes two), jumps to labels resolved. */
  instructions: Instruction[];
  /** Map, map value, kfunc and ksym references for the loader, by slot index, in the order they were emitted. */
  references: AsmReference[];
  /** Label → instruction index. */
  labels: ReadonlyMap<string, number>;
}

type Fixup = { insn: number; label: string; field: 'off' | 'imm' };

/**
 * Builds a program instruction by instruction. Every method returns `this`. Registers are the
 * `R0`-`R10` constants; a number where an operand is expected is an immediate.
 */
export class Assembler {
  readonly #insns: Instruction[] = [];
  readonly #refs: AsmReference[] = [];
  readonly #labels = new Map<string, number>();
  readonly #fixups: Fixup[] = [];

  /** Number of slots emitted so far (the index of the next instruction). */
  get length(): number {
    return this.#insns.length;
  }

  /** Emits a raw instruction slot. */
  raw(insn: Instruction): this {
    this.#insns.push({ ...insn });
    return this;
  }

  /**
   * Names the next instruction.
   *
   * @throws {@link AsmError} if the label is already defined.
   */
  label(name: string): this {
    if (this.#labels.has(name)) throw new AsmError(`label '${name}' defined twice`, this.#insns.length);
    this.#labels.set(name, this.#insns.length);
    return this;
  }

  // ALU ---------------------------------------------------------------------------------------

  /** 64-bit ALU: `dst op= src` (op is `BPF_ADD`, `BPF_MOV`, ...). */
  alu64(op: number, dst: Register, src: Operand): this {
    return this.#alu(BPF_ALU64, op, dst, src);
  }

  /** 32-bit ALU: `wdst op= src` (zero-extends into the upper half). */
  alu32(op: number, dst: Register, src: Operand): this {
    return this.#alu(BPF_ALU, op, dst, src);
  }

  #alu(cls: number, op: number, dst: Register, src: Operand): this {
    const { isReg, value } = operand(src);
    return this.raw({
      code: cls | op | (isReg ? BPF_X : BPF_K),
      dst: reg(dst),
      src: isReg ? value : 0,
      off: 0,
      imm: isReg ? 0 : value,
    });
  }

  /** `dst = src` (64-bit): a register or an immediate (sign-extended from 32 bits). */
  mov64(dst: Register, src: Operand): this {
    return this.alu64(BPF_MOV, dst, src);
  }
  /** `wdst = src` (32-bit). */
  mov32(dst: Register, src: Operand): this {
    return this.alu32(BPF_MOV, dst, src);
  }
  /** `dst += src`. */
  add64(dst: Register, src: Operand): this {
    return this.alu64(BPF_ADD, dst, src);
  }
  /** `dst -= src`. */
  sub64(dst: Register, src: Operand): this {
    return this.alu64(BPF_SUB, dst, src);
  }
  /** `dst *= src`. */
  mul64(dst: Register, src: Operand): this {
    return this.alu64(BPF_MUL, dst, src);
  }
  /** `dst /= src` (unsigned). */
  div64(dst: Register, src: Operand): this {
    return this.alu64(BPF_DIV, dst, src);
  }
  /** `dst %= src` (unsigned). */
  mod64(dst: Register, src: Operand): this {
    return this.alu64(BPF_MOD, dst, src);
  }
  /** `dst |= src`. */
  or64(dst: Register, src: Operand): this {
    return this.alu64(BPF_OR, dst, src);
  }
  /** `dst &= src`. */
  and64(dst: Register, src: Operand): this {
    return this.alu64(BPF_AND, dst, src);
  }
  /** `dst ^= src`. */
  xor64(dst: Register, src: Operand): this {
    return this.alu64(BPF_XOR, dst, src);
  }
  /** `dst <<= src`. */
  lsh64(dst: Register, src: Operand): this {
    return this.alu64(BPF_LSH, dst, src);
  }
  /** `dst >>= src` (logical). */
  rsh64(dst: Register, src: Operand): this {
    return this.alu64(BPF_RSH, dst, src);
  }
  /** `dst s>>= src`. */
  arsh64(dst: Register, src: Operand): this {
    return this.alu64(BPF_ARSH, dst, src);
  }
  /** `dst = -dst`. */
  neg64(dst: Register): this {
    return this.raw({ code: BPF_ALU64 | BPF_NEG, dst: reg(dst), src: 0, off: 0, imm: 0 });
  }
  /** Byte swap: `dst = be16/32/64 dst` (`toBe`) or `le...`. */
  endian(dst: Register, bits: 16 | 32 | 64, toBe: boolean): this {
    return this.raw({ code: BPF_ALU | BPF_END | (toBe ? BPF_X : BPF_K), dst: reg(dst), src: 0, off: 0, imm: bits });
  }

  // Memory ------------------------------------------------------------------------------------

  /** `dst = *(size *)(src + off)`; size is `BPF_B`, `BPF_H`, `BPF_W` or `BPF_DW`. */
  ldx(size: number, dst: Register, src: Register, off: number): this {
    return this.raw({ code: BPF_LDX | size | BPF_MEM, dst: reg(dst), src: reg(src), off: s16(off), imm: 0 });
  }
  /** `*(size *)(dst + off) = src`. */
  stx(size: number, dst: Register, off: number, src: Register): this {
    return this.raw({ code: BPF_STX | size | BPF_MEM, dst: reg(dst), src: reg(src), off: s16(off), imm: 0 });
  }
  /** `*(size *)(dst + off) = imm`. */
  st(size: number, dst: Register, off: number, imm: number): this {
    return this.raw({ code: BPF_ST | size | BPF_MEM, dst: reg(dst), src: 0, off: s16(off), imm: s32(imm) });
  }
  /** An atomic operation on `*(size *)(dst + off)` with `src` (`op` is `BPF_ADD`, `BPF_XCHG`, `BPF_ADD | BPF_FETCH`...). */
  atomic(size: number, op: number, dst: Register, off: number, src: Register): this {
    return this.raw({ code: BPF_STX | size | BPF_ATOMIC, dst: reg(dst), src: reg(src), off: s16(off), imm: op });
  }
  /** `lock *(size *)(dst + off) += src`. */
  atomicAdd(size: number, dst: Register, off: number, src: Register): this {
    return this.atomic(size, BPF_ADD, dst, off, src);
  }
  /** `src = atomic_fetch_add((size *)(dst + off), src)`. */
  atomicFetchAdd(size: number, dst: Register, off: number, src: Register): this {
    return this.atomic(size, BPF_ADD | BPF_FETCH, dst, off, src);
  }

  /** `dst = value` as a 16-byte `ld_imm64`. */
  ldImm64(dst: Register, value: bigint | number): this {
    const v = BigInt.asUintN(64, BigInt(value));
    this.#ldImm64(dst, 0, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
    return this;
  }

  #ldImm64(dst: Register, src: number, lo: number, hi: number): number {
    const at = this.#insns.length;
    this.#insns.push({ code: BPF_LD | BPF_DW | BPF_IMM, dst: reg(dst), src, off: 0, imm: lo });
    this.#insns.push({ code: 0, dst: 0, src: 0, off: 0, imm: hi });
    return at;
  }

  /** `dst = &map` (`BPF_PSEUDO_MAP_FD`), for the map the loader creates under `map`. */
  ldMap(dst: Register, map: string): this {
    const at = this.#ldImm64(dst, BPF_PSEUDO_MAP_FD, 0, 0);
    this.#refs.push({ kind: 'map', insn: at, map });
    return this;
  }

  /** `dst = &map.value + offset` (`BPF_PSEUDO_MAP_VALUE`): global data. */
  ldMapValue(dst: Register, map: string, offset = 0): this {
    const at = this.#ldImm64(dst, BPF_PSEUDO_MAP_VALUE, 0, offset);
    this.#refs.push({ kind: 'map-value', insn: at, map, offset });
    return this;
  }

  /** `dst = &ksym`, a kernel variable resolved by the loader. */
  ldKsym(dst: Register, extern: string): this {
    const at = this.#ldImm64(dst, 0, 0, 0);
    this.#refs.push({ kind: 'ksym', insn: at, extern });
    return this;
  }

  /** `dst = &function at label` (`BPF_PSEUDO_FUNC`), a callback for `bpf_loop` and friends. */
  ldFunc(dst: Register, label: string): this {
    const at = this.#ldImm64(dst, BPF_PSEUDO_FUNC, 0, 0);
    this.#fixups.push({ insn: at, label, field: 'imm' });
    return this;
  }

  // Jumps and calls ---------------------------------------------------------------------------

  /** Conditional jump (64-bit compare): `if dst op src goto label`. */
  jmp(op: number, dst: Register, src: Operand, label: string): this {
    return this.#jump(BPF_JMP, op, dst, src, label);
  }
  /** Conditional jump comparing the lower 32 bits. */
  jmp32(op: number, dst: Register, src: Operand, label: string): this {
    return this.#jump(BPF_JMP32, op, dst, src, label);
  }

  #jump(cls: number, op: number, dst: Register, src: Operand, label: string): this {
    const { isReg, value } = operand(src);
    this.#fixups.push({ insn: this.#insns.length, label, field: 'off' });
    return this.raw({
      code: cls | op | (isReg ? BPF_X : BPF_K),
      dst: reg(dst),
      src: isReg ? value : 0,
      off: 0,
      imm: isReg ? 0 : value,
    });
  }

  /** `goto label`. */
  ja(label: string): this {
    this.#fixups.push({ insn: this.#insns.length, label, field: 'off' });
    return this.raw({ code: BPF_JMP | BPF_JA, dst: 0, src: 0, off: 0, imm: 0 });
  }
  /** `if dst == src goto label`. */
  jeq(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JEQ, dst, src, label);
  }
  /** `if dst != src goto label`. */
  jne(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JNE, dst, src, label);
  }
  /** `if dst > src goto label` (unsigned). */
  jgt(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JGT, dst, src, label);
  }
  /** `if dst >= src goto label` (unsigned). */
  jge(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JGE, dst, src, label);
  }
  /** `if dst < src goto label` (unsigned). */
  jlt(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JLT, dst, src, label);
  }
  /** `if dst <= src goto label` (unsigned). */
  jle(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JLE, dst, src, label);
  }
  /** `if dst s> src goto label`. */
  jsgt(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JSGT, dst, src, label);
  }
  /** `if dst s>= src goto label`. */
  jsge(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JSGE, dst, src, label);
  }
  /** `if dst s< src goto label`. */
  jslt(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JSLT, dst, src, label);
  }
  /** `if dst s<= src goto label`. */
  jsle(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JSLE, dst, src, label);
  }
  /** `if dst & src goto label`. */
  jset(dst: Register, src: Operand, label: string): this {
    return this.jmp(BPF_JSET, dst, src, label);
  }

  /**
   * Calls a helper by name (`'bpf_map_lookup_elem'`) or ID.
   *
   * @throws {@link AsmError} for an unknown helper name.
   */
  call(helper: string | number): this {
    const id = typeof helper === 'number' ? helper : helperId(helper);
    if (id === undefined) throw new AsmError(`unknown helper '${helper}'`, this.#insns.length);
    return this.raw({ code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: s32(id) });
  }

  /** Calls the function at `label` (a bpf-to-bpf call, `BPF_PSEUDO_CALL`). */
  callLabel(label: string): this {
    this.#fixups.push({ insn: this.#insns.length, label, field: 'imm' });
    return this.raw({ code: BPF_JMP | BPF_CALL, dst: 0, src: BPF_PSEUDO_CALL, off: 0, imm: 0 });
  }

  /** Calls a kfunc, resolved by the loader to its BTF ID. */
  callKfunc(extern: string): this {
    this.#refs.push({ kind: 'kfunc', insn: this.#insns.length, extern });
    return this.raw({ code: BPF_JMP | BPF_CALL, dst: 0, src: BPF_PSEUDO_KFUNC_CALL, off: 0, imm: 0 });
  }

  /** `exit`. */
  exit(): this {
    return this.raw({ code: BPF_JMP | BPF_EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  }

  /**
   * Resolves labels and returns the program.
   *
   * @throws {@link AsmError} naming the instruction for an undefined label, a label past the
   *   last instruction, or a jump too far for its 16-bit offset.
   */
  assemble(): Assembled {
    const insns = this.#insns.map((i) => ({ ...i }));
    for (const f of this.#fixups) {
      const target = this.#labels.get(f.label);
      if (target === undefined) throw new AsmError(`label '${f.label}' is not defined`, f.insn);
      if (target >= insns.length) throw new AsmError(`label '${f.label}' is past the last instruction`, f.insn);
      const delta = target - f.insn - 1;
      const ins = insns[f.insn]!;
      if (f.field === 'off') {
        if (delta < -0x8000 || delta > 0x7fff) throw new AsmError(`jump to '${f.label}' (${delta}) does not fit 16 bits`, f.insn);
        ins.off = delta;
      } else {
        ins.imm = delta;
      }
    }
    return { instructions: insns, references: this.#refs.map((r) => ({ ...r })), labels: new Map(this.#labels) };
  }
}

function reg(r: Register): number {
  if (typeof r !== 'object' || r === null || !Number.isInteger(r.reg) || r.reg < 0 || r.reg > 10) {
    throw new AsmError(`register ${JSON.stringify(r)} is not r0-r10`);
  }
  return r.reg;
}

function s16(v: number): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw new AsmError(`offset ${v} does not fit 16 bits`);
  return v;
}

function s32(v: number): number {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new AsmError(`immediate ${v} does not fit 32 bits`);
  return v | 0;
}

function operand(o: Operand): { isReg: boolean; value: number } {
  if (typeof o === 'number') return { isReg: false, value: s32(o) };
  return { isReg: true, value: reg(o) };
}
