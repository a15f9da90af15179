/**
 * Applying a CO-RE decision to an instruction, as libbpf's `bpf_core_patch_insn` does: the
 * immediate of an ALU instruction, the offset of a load or store (and its width when the field
 * changed size safely), the 64-bit immediate of `ld_imm64`; or poisoning: replacing the
 * instruction with a call to helper 0xbad2310 that the verifier rejects if it is reached.
 * Every patch first checks the instruction holds what the compiler should have put there, and
 * refuses what would silently change the program's meaning.
 * @module
 */
import type { Instruction } from '../asm/instruction.js';
import { CoreError } from '../errors.js';
import type { CoreFixup } from './relocator.js';

/** The helper ID of a poisoned instruction: the verifier reports `invalid func unknown#195896080`. */
export const POISON_HELPER_ID = 0xbad2310;

const CLASS_LD = 0x00;
const CLASS_LDX = 0x01;
const CLASS_ST = 0x02;
const CLASS_STX = 0x03;
const CLASS_ALU = 0x04;
const CLASS_ALU64 = 0x07;
const SRC_X = 0x08;
const LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW
const CALL = 0x85; // BPF_JMP | BPF_CALL
const SIZE_BYTES: Record<number, number> = { 0: 4, 8: 2, 16: 1, 24: 8 };
const BYTES_SIZE: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };
const SHRT_MAX = 0x7fff;

/** What a patch did. */
export interface PatchResult {
  /** `'alu'`, `'mem'` (load/store offset), `'ldimm64'` or `'poison'`. */
  readonly how: 'alu' | 'mem' | 'ldimm64' | 'poison';
  /** The value the instruction held before (its immediate or offset; for a poison, the fixup's old value). */
  readonly before: bigint;
  /** The value it holds now (`undefined` for a poison). */
  readonly after: bigint | undefined;
  /** For a load or store whose width changed: old and new width in bytes. */
  readonly width: { readonly from: number; readonly to: number } | undefined;
  /** Why it was poisoned, for a poison. */
  readonly reason: string | undefined;
}

function poison(insns: Instruction[], i: number): void {
  const insn = insns[i]!;
  // The second slot of an ld_imm64 is poisoned too, or the verifier would report opcode 00 there.
  if (insn.code === LD_IMM64 && insns[i + 1])
    Object.assign(insns[i + 1]!, { code: CALL, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
  Object.assign(insn, { code: CALL, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
}

const u64 = (n: number | bigint) => BigInt.asUintN(64, BigInt(n));

/**
 * Patches `insns[fixup.insn]` (and the next slot for `ld_imm64`) in place.
 * @throws {CoreError} naming program, relocation and instruction when the instruction is not
 * one CO-RE can patch, does not hold the value the relocation expects, or would need an offset
 * beyond 16 bits or a load width that does not exist. Nothing is changed then.
 */
export function patchInstruction(insns: Instruction[], fixup: CoreFixup): PatchResult {
  const i = fixup.insn;
  const where = { program: fixup.program, relocation: fixup.relocation, insn: i };
  const insn = insns[i];
  if (!insn) throw new CoreError(`instruction is past the end of the function (${insns.length} instructions)`, where);
  const cls = insn.code & 0x07;
  if (fixup.poison) {
    poison(insns, i);
    return { how: 'poison', before: fixup.old, after: undefined, width: undefined, reason: fixup.reason };
  }
  const expect = (have: bigint, what: string) => {
    if (fixup.validate && have !== fixup.old) {
      throw new CoreError(`${what} is ${have}, but the relocation expects ${fixup.old} (to become ${fixup.new})`, where);
    }
  };
  switch (cls) {
    case CLASS_ALU:
    case CLASS_ALU64: {
      if ((insn.code & SRC_X) !== 0) throw new CoreError('ALU instruction with a register operand cannot be relocated', where);
      const before = u64(insn.imm | 0);
      expect(before, 'ALU immediate');
      insn.imm = Number(BigInt.asIntN(32, fixup.new));
      return { how: 'alu', before, after: fixup.new, width: undefined, reason: undefined };
    }
    case CLASS_LDX:
    case CLASS_ST:
    case CLASS_STX: {
      const before = u64((insn.off << 16) >> 16);
      expect(before, 'load/store offset');
      if (fixup.new > BigInt(SHRT_MAX)) throw new CoreError(`new offset ${fixup.new} does not fit in a load/store offset`, where);
      if (fixup.unsafeSizeChange) {
        poison(insns, i);
        return {
          how: 'poison',
          before,
          after: undefined,
          width: undefined,
          reason: `the field is ${fixup.oldSize} bytes locally and ${fixup.newSize} in the target, and is neither a pointer nor an unsigned integer in both: a load or store of another width would change its value`,
        };
      }
      let width: PatchResult['width'];
      if (fixup.newSize !== fixup.oldSize) {
        const have = SIZE_BYTES[insn.code & 0x18]!;
        if (have !== fixup.oldSize) throw new CoreError(`access is ${have} bytes wide, but the field is ${fixup.oldSize}`, where);
        const to = BYTES_SIZE[fixup.newSize];
        if (to === undefined) throw new CoreError(`no load or store is ${fixup.newSize} bytes wide`, where);
        insn.code = (insn.code & 0xe0) | to | cls;
        width = { from: fixup.oldSize, to: fixup.newSize };
      }
      insn.off = Number(fixup.new);
      return { how: 'mem', before, after: fixup.new, width, reason: undefined };
    }
    case CLASS_LD: {
      const next = insns[i + 1];
      if (
        insn.code !== LD_IMM64 ||
        insn.src !== 0 ||
        insn.off !== 0 ||
        !next ||
        next.code !== 0 ||
        next.dst !== 0 ||
        next.src !== 0 ||
        next.off !== 0
      ) {
        throw new CoreError('ld_imm64 instruction has an unexpected form', where);
      }
      const before = (u64(next.imm) << 32n) | BigInt(insn.imm >>> 0);
      const have = BigInt.asUintN(64, before);
      expect(have, 'ld_imm64 immediate');
      insn.imm = Number(BigInt.asIntN(32, fixup.new));
      next.imm = Number(BigInt.asIntN(32, fixup.new >> 32n));
      return { how: 'ldimm64', before: have, after: fixup.new, width: undefined, reason: undefined };
    }
    default:
      throw new CoreError(`instruction (code 0x${insn.code.toString(16)}) is not one CO-RE can relocate`, where);
  }
}
