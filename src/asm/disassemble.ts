/**
 * A disassembler in the kernel's notation (the verifier log, `bpftool prog dump xlated`):
 * `r1 = *(u32 *)(r6 +4)`, `if r0 == 0x0 goto pc+3`, `call bpf_map_lookup_elem#1`,
 * `r1 = map[counts]`. Used in error messages and by tools.
 *
 * @module
 */

import { helperName } from './helpers.js';
import { type Instruction, ldImm64Value } from './instruction.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
  insnClass,
  insnMode,
  insnOp,
  insnSize,
  insnSource,
} from './opcodes.js';

/** Names for what instructions refer to, as references of the object reader or assembler. */
export interface DisassembleOptions {
  /**
   * References by instruction index: `map` and `map-value` print the map's name, `kfunc` and
   * `ksym` the extern's, `call` and `func` the callee's.
   */
  references?: readonly (
    | { kind: 'map' | 'map-value'; insn: number; map: string }
    | { kind: 'kfunc' | 'ksym'; insn: number; extern: string }
    | { kind: 'call' | 'func'; insn: number; target: string }
  )[];
}

const ALU_OPS = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const JMP_OPS = ['goto', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<='];
const SIZE = ['u32', 'u16', 'u8', 'u64'];

/** One instruction as text (for `ld_imm64`, give both slots: `insns` and the first's index). */
export function formatInstruction(insns: readonly Instruction[], i: number, options: DisassembleOptions = {}): string {
  const ins = insns[i];
  if (ins === undefined) return '(out of range)';
  const ref = options.references?.find((r) => r.insn === i);
  const cls = insnClass(ins.code);
  const size = SIZE[insnSize(ins.code) >> 3]!;
  const off = ins.off >= 0 ? `+${ins.off}` : `${ins.off}`;

  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const w = cls === BPF_ALU64 ? 'r' : 'w';
    const op = insnOp(ins.code);
    if (op === BPF_END) {
      if (cls === BPF_ALU64) return `r${ins.dst} = bswap${ins.imm} r${ins.dst}`;
      return `r${ins.dst} = ${insnSource(ins.code) === BPF_X ? 'be' : 'le'}${ins.imm} r${ins.dst}`;
    }
    if (op === BPF_NEG) return `${w}${ins.dst} = -${w}${ins.dst}`;
    let name = ALU_OPS[op >> 4] ?? `alu(0x${op.toString(16)})`;
    if (ins.off === 1 && (name === '/=' || name === '%=')) name = `s${name}`;
    if (op === BPF_MOV && insnSource(ins.code) === BPF_X && (ins.off === 8 || ins.off === 16 || ins.off === 32)) {
      return `${w}${ins.dst} = (s${ins.off})${w}${ins.src}`;
    }
    if (insnSource(ins.code) === BPF_X) return `${w}${ins.dst} ${name} ${w}${ins.src}`;
    return `${w}${ins.dst} ${name} ${ins.imm}`;
  }
  if (cls === BPF_STX) {
    const mode = insnMode(ins.code);
    if (mode === BPF_MEM) return `*(${size} *)(r${ins.dst} ${off}) = r${ins.src}`;
    if (mode === BPF_ATOMIC) {
      const ptr = `(${size} *)(r${ins.dst} ${off})`;
      const bits = size === 'u64' ? '64' : '';
      if (ins.imm === BPF_XCHG) return `r${ins.src} = atomic${bits}_xchg(${ptr}, r${ins.src})`;
      if (ins.imm === BPF_CMPXCHG) return `r0 = atomic${bits}_cmpxchg(${ptr}, r0, r${ins.src})`;
      const base = ins.imm & ~BPF_FETCH;
      const name = ALU_OPS[base >> 4] ?? '?';
      if ((ins.imm & BPF_FETCH) !== 0) {
        const fn = ['add', '', '', '', 'or', 'and', '', '', '', '', 'xor'][base >> 4] ?? `op${base}`;
        return `r${ins.src} = atomic${bits}_fetch_${fn}(${ptr}, r${ins.src})`;
      }
      return `lock *${ptr} ${name} r${ins.src}`;
    }
    return `BUG_stx_${ins.code.toString(16).padStart(2, '0')}`;
  }
  if (cls === BPF_ST) {
    if (insnMode(ins.code) === BPF_MEM) return `*(${size} *)(r${ins.dst} ${off}) = ${ins.imm}`;
    return `BUG_st_${ins.code.toString(16).padStart(2, '0')}`;
  }
  if (cls === BPF_LDX) {
    const mode = insnMode(ins.code);
    if (mode === BPF_MEM) return `r${ins.dst} = *(${size} *)(r${ins.src} ${off})`;
    if (mode === BPF_MEMSX) return `r${ins.dst} = *(s${size.slice(1)} *)(r${ins.src} ${off})`;
    return `BUG_ldx_${ins.code.toString(16).padStart(2, '0')}`;
  }
  if (cls === BPF_LD) {
    const mode = insnMode(ins.code);
    if (mode === BPF_ABS) return `r0 = *(${size} *)skb[${ins.imm}]`;
    if (mode === BPF_IND) return `r0 = *(${size} *)skb[r${ins.src} + ${ins.imm}]`;
    if (mode === BPF_IMM && size === 'u64') {
      const hi = insns[i + 1];
      const name = ref !== undefined && 'map' in ref ? ref.map : ref !== undefined && 'extern' in ref ? ref.extern : undefined;
      switch (ins.src) {
        case BPF_PSEUDO_MAP_FD:
        case BPF_PSEUDO_MAP_IDX:
          return `r${ins.dst} = map[${name ?? `${ins.src === BPF_PSEUDO_MAP_FD ? 'fd' : 'idx'}:${ins.imm}`}]`;
        case BPF_PSEUDO_MAP_VALUE:
        case BPF_PSEUDO_MAP_IDX_VALUE:
          return `r${ins.dst} = map[${name ?? `${ins.src === BPF_PSEUDO_MAP_VALUE ? 'fd' : 'idx'}:${ins.imm}`}][0]+${hi?.imm ?? 0}`;
        case BPF_PSEUDO_BTF_ID:
          return `r${ins.dst} = ${name ?? `btf_id:${ins.imm}`}`;
        case BPF_PSEUDO_FUNC: {
          const target = ref !== undefined && 'target' in ref ? ` <${ref.target}>` : '';
          return `r${ins.dst} = subprog[${ins.imm >= 0 ? '+' : ''}${ins.imm}]${target}`;
        }
      }
      // Not yet rewritten for the kernel (an object's code): say what the loader will put here.
      if (ref?.kind === 'map') return `r${ins.dst} = map[${ref.map}]`;
      if (ref?.kind === 'map-value') return `r${ins.dst} = map[${ref.map}][0]+${(hi?.imm ?? 0) + ins.imm}`;
      if (ref !== undefined && 'target' in ref) return `r${ins.dst} = &${ref.target}`;
      if (name !== undefined) return `r${ins.dst} = ${name}`;
      if (hi === undefined) return `r${ins.dst} = <ld_imm64 without its second slot>`;
      return `r${ins.dst} = 0x${ldImm64Value(insns, i).toString(16)}`;
    }
    return `BUG_ld_${ins.code.toString(16).padStart(2, '0')}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = insnOp(ins.code);
    if (op === BPF_CALL && cls === BPF_JMP) {
      if (ins.src === BPF_PSEUDO_CALL) {
        const target = ref !== undefined && 'target' in ref ? ` <${ref.target}>` : '';
        return `call pc${ins.imm >= 0 ? '+' : ''}${ins.imm}${target}`;
      }
      if (ins.src === BPF_PSEUDO_KFUNC_CALL) {
        const name = ref !== undefined && 'extern' in ref ? ref.extern : 'kernel-function';
        return `call ${name}#${ins.imm}`;
      }
      const name = helperName(ins.imm);
      return name !== undefined ? `call ${name}#${ins.imm}` : `call unknown#${ins.imm}`;
    }
    if (op === BPF_EXIT && cls === BPF_JMP) return 'exit';
    if (op === BPF_JA) {
      if (cls === BPF_JMP32) return `gotol pc${ins.imm >= 0 ? '+' : ''}${ins.imm}`;
      return `goto pc${off}`;
    }
    const name = JMP_OPS[op >> 4];
    if (name === undefined || op === BPF_CALL || op === BPF_EXIT) return `BUG_jmp_${ins.code.toString(16).padStart(2, '0')}`;
    const w = cls === BPF_JMP32 ? 'w' : 'r';
    const rhs = insnSource(ins.code) === BPF_K ? `0x${(ins.imm >>> 0).toString(16)}` : `${w}${ins.src}`;
    return `if ${w}${ins.dst} ${name} ${rhs} goto pc${off}`;
  }
  return `BUG_${ins.code.toString(16).padStart(2, '0')}`;
}

/**
 * Every instruction as a line `   7: (85) call bpf_map_lookup_elem#1`, as `bpftool prog dump
 * xlated` prints them (an `ld_imm64` takes one line and two indices).
 */
export function disassemble(insns: readonly Instruction[], options: DisassembleOptions = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    out.push(`${String(i).padStart(4)}: (${ins.code.toString(16).padStart(2, '0')}) ${formatInstruction(insns, i, options)}`);
    if (ins.code === (BPF_LD | BPF_IMM | 0x18)) i++;
  }
  return out;
}
