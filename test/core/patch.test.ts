import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instruction } from '../../src/asm/instruction.js';
import { POISON_HELPER_ID, patchInstruction } from '../../src/core/patch.js';
import type { CoreFixup } from '../../src/core/relocator.js';
import { CoreError } from '../../src/errors.js';

/** A decision as the relocator would make it; only the fields patching reads matter. */
function fixup(over: Partial<CoreFixup>): CoreFixup {
  return {
    program: 'prog',
    relocation: 4,
    insn: 0,
    kind: 'byte_off',
    kindNumber: 0,
    access: '0:1',
    local: { object: 'local', id: 1, name: 't', kind: 'struct', spec: '' },
    candidates: [],
    target: null,
    old: 0n,
    new: 0n,
    poison: false,
    validate: true,
    oldSize: 0,
    newSize: 0,
    unsafeSizeChange: false,
    reason: '',
    ...over,
  };
}

const insn = (code: number, off = 0, imm = 0, dst = 1, src = 2): Instruction => ({ code, dst, src, off, imm });

// Opcodes: r1 += imm (ALU64|ADD|K), r1 = *(u32 *)(r2 + off) (LDX|MEM|W), *(u64 *)(r1 + off) = r2 (STX|MEM|DW), ld_imm64.
const ADD64_K = 0x07;
const ADD64_X = 0x0f;
const LDX_W = 0x61;
const LDX_DW = 0x79;
const STX_DW = 0x7b;
const LD_IMM64 = 0x18;

describe('patchInstruction', () => {
  it('rewrites ALU immediates, after checking the compiled value', () => {
    const insns = [insn(ADD64_K, 0, 8)];
    const r = patchInstruction(insns, fixup({ old: 8n, new: 24n }));
    assert.equal(r.how, 'alu');
    assert.equal(insns[0]!.imm, 24);
    assert.throws(() => patchInstruction([insn(ADD64_K, 0, 9)], fixup({ old: 8n, new: 24n })), CoreError);
    // Not checked when the relocation says so (type IDs, bitfield offsets).
    const unchecked = [insn(ADD64_K, 0, 9)];
    patchInstruction(unchecked, fixup({ old: 8n, new: 24n, validate: false }));
    assert.equal(unchecked[0]!.imm, 24);
    assert.throws(() => patchInstruction([insn(ADD64_X)], fixup({})), /register operand/);
  });

  it('compares a negative immediate as libbpf does (sign-extended to 64 bits)', () => {
    const insns = [insn(ADD64_K, 0, -1)];
    patchInstruction(insns, fixup({ kind: 'enumval_value', old: 0xffff_ffff_ffff_ffffn, new: 5n }));
    assert.equal(insns[0]!.imm, 5);
  });

  it('rewrites load/store offsets and widens an unsigned field’s load', () => {
    const insns = [insn(LDX_W, 4)];
    const r = patchInstruction(insns, fixup({ old: 4n, new: 16n, oldSize: 4, newSize: 8 }));
    assert.equal(r.how, 'mem');
    assert.deepEqual(r.width, { from: 4, to: 8 });
    assert.deepEqual(insns[0], insn(LDX_DW, 16));
    // Offsets beyond 16 bits, and widths no instruction has, are refused.
    assert.throws(() => patchInstruction([insn(LDX_W, 4)], fixup({ old: 4n, new: 0x8000n })), /does not fit/);
    assert.throws(() => patchInstruction([insn(LDX_W, 4)], fixup({ old: 4n, new: 8n, oldSize: 4, newSize: 16 })), /16 bytes/);
    assert.throws(() => patchInstruction([insn(STX_DW, 4)], fixup({ old: 4n, new: 8n, oldSize: 4, newSize: 8 })), /8 bytes wide/);
  });

  it('poisons a load whose field changed size unsafely, keeping the decision’s reason', () => {
    const insns = [insn(LDX_W, 4)];
    const r = patchInstruction(insns, fixup({ old: 4n, new: 8n, oldSize: 4, newSize: 8, unsafeSizeChange: true }));
    assert.equal(r.how, 'poison');
    assert.deepEqual(insns[0], { code: 0x85, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
    assert.equal(POISON_HELPER_ID, 195896080);
  });

  it('rewrites and poisons ld_imm64 as two slots', () => {
    const insns = [insn(LD_IMM64, 0, 7, 1, 0), insn(0, 0, 0, 0, 0)];
    patchInstruction(insns, fixup({ kind: 'enumval_value', old: 7n, new: 0x1_0000_0002n }));
    assert.deepEqual([insns[0]!.imm, insns[1]!.imm], [2, 1]);
    const poisoned = [insn(LD_IMM64, 0, 7, 1, 0), insn(0, 0, 0, 0, 0)];
    patchInstruction(poisoned, fixup({ poison: true }));
    assert.equal(poisoned[0]!.code, 0x85);
    assert.equal(poisoned[1]!.code, 0x85);
    assert.equal(poisoned[1]!.imm, POISON_HELPER_ID);
    // A map reference (src = BPF_PSEUDO_MAP_FD) is not a CO-RE immediate.
    assert.throws(() => patchInstruction([insn(LD_IMM64, 0, 7, 1, 1), insn(0)], fixup({ old: 7n })), /unexpected form/);
  });

  it('names program, relocation and instruction, and leaves the instruction alone, when it refuses', () => {
    const insns = [insn(0x85, 0, 1), insn(LDX_W, 4)];
    const before = structuredClone(insns);
    assert.throws(
      () => patchInstruction(insns, fixup({ insn: 0 })),
      (err: unknown) => err instanceof CoreError && /^program prog: relocation #4: insn 0: /.test(err.message),
    );
    assert.throws(() => patchInstruction(insns, fixup({ insn: 1, old: 8n, new: 12n })), /insn 1: load\/store offset is 4/);
    assert.throws(() => patchInstruction(insns, fixup({ insn: 9 })), /past the end/);
    assert.deepEqual(insns, before);
  });
});
