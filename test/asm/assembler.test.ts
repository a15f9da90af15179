import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AsmError,
  Assembler,
  BPF_ADD,
  BPF_DW,
  BPF_JEQ,
  BPF_W,
  BPF_XCHG,
  decodeInstructions,
  disassemble,
  encodeInstructions,
  R0,
  R1,
  R2,
  R6,
  R10,
} from '../../src/asm/index.js';
import { AttachType, assembledProgram, ProgramType } from '../../src/obj/index.js';

/** The fentry counter `tsbpf trace` needs: bump slot 0 of an array map. */
function counter(): Assembler {
  return new Assembler()
    .mov64(R1, 0)
    .stx(BPF_W, R10, -4, R1)
    .mov64(R2, R10)
    .add64(R2, -4)
    .ldMap(R1, 'counts')
    .call('bpf_map_lookup_elem')
    .jeq(R0, 0, 'out')
    .mov64(R1, 1)
    .atomicAdd(BPF_DW, R0, 0, R1)
    .label('out')
    .mov64(R0, 0)
    .exit();
}

describe('asm: assembler', () => {
  test('a counting program reads back in the kernel notation', () => {
    const { instructions, references } = counter().assemble();
    assert.deepEqual(disassemble(instructions, { references }), [
      '   0: (b7) r1 = 0',
      '   1: (63) *(u32 *)(r10 -4) = r1',
      '   2: (bf) r2 = r10',
      '   3: (07) r2 += -4',
      '   4: (18) r1 = map[counts]',
      '   6: (85) call bpf_map_lookup_elem#1',
      '   7: (15) if r0 == 0x0 goto pc+2',
      '   8: (b7) r1 = 1',
      '   9: (db) lock *(u64 *)(r0 +0) += r1',
      '  10: (b7) r0 = 0',
      '  11: (95) exit',
    ]);
    assert.deepEqual(references, [{ kind: 'map', insn: 4, map: 'counts' }]);
    // What is assembled encodes and decodes unchanged in both byte orders.
    for (const le of [true, false]) assert.deepEqual(decodeInstructions(encodeInstructions(instructions, le), le), instructions);
  });

  test('backward jumps, bpf-to-bpf calls, callbacks, 64-bit constants, global data', () => {
    const a = new Assembler()
      .label('top')
      .ldImm64(R6, 0x1122334455667788n)
      .ldMapValue(R1, '.bss', 8)
      .ldFunc(R2, 'cb')
      .callLabel('sub')
      .jmp(BPF_JEQ, R0, R6, 'top')
      .atomic(BPF_DW, BPF_XCHG, R1, 0, R2)
      .ja('top')
      .label('sub')
      .mov64(R0, 1)
      .exit()
      .label('cb')
      .alu64(BPF_ADD, R0, R1)
      .exit();
    const { instructions, references, labels } = a.assemble();
    assert.equal(labels.get('sub'), 10);
    const lines = disassemble(instructions, { references });
    assert.deepEqual(lines, [
      '   0: (18) r6 = 0x1122334455667788',
      '   2: (18) r1 = map[.bss][0]+8',
      '   4: (18) r2 = subprog[+7]',
      '   6: (85) call pc+3',
      '   7: (1d) if r0 == r6 goto pc-8',
      '   8: (db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)',
      '   9: (05) goto pc-10',
      '  10: (b7) r0 = 1',
      '  11: (95) exit',
      '  12: (0f) r0 += r1',
      '  13: (95) exit',
    ]);
  });

  test('mistakes are errors naming the instruction', () => {
    assert.throws(
      () => new Assembler().ja('nowhere').exit().assemble(),
      (e: unknown) => e instanceof AsmError && e.insn === 0 && /nowhere/.test(e.message),
    );
    assert.throws(() => new Assembler().label('x').label('x'), AsmError);
    assert.throws(() => new Assembler().ja('end').label('end').assemble(), /past the last instruction/);
    assert.throws(() => new Assembler().call('bpf_no_such_helper'), /unknown helper/);
    assert.throws(() => new Assembler().mov64({ reg: 11 }, 0), /not r0-r10/);
    assert.throws(() => new Assembler().mov64(R1, 2 ** 33), /32 bits/);
    const far = new Assembler().ja('end');
    for (let i = 0; i < 0x8000; i++) far.mov64(R0, 0);
    far.label('end').exit();
    assert.throws(() => far.assemble(), /does not fit 16 bits/);
  });

  test('an assembled fentry program takes its type and target from a section name', () => {
    const p = assembledProgram(counter().assemble(), 'count', 'fentry/veth:veth_open');
    assert.equal(p.type, ProgramType.TRACING);
    assert.equal(p.expectedAttachType, AttachType.TRACE_FENTRY);
    assert.equal(p.attachTo, 'veth:veth_open');
    assert.deepEqual(p.references, [{ kind: 'map', insn: 4, map: 'counts' }]);
    assert.throws(() => assembledProgram(counter().assemble(), 'x', 'no_such_section'), /no program type/);
  });
});
