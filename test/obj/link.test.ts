import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, isLdImm64, isPseudoCall } from '../../src/asm/index.js';
import { ObjectError } from '../../src/errors.js';
import { linkProgram, loadObject, type ObjectSpec } from '../../src/obj/index.js';
import { objBytes, objFixtures } from './support.js';

describe('obj: linking programs with their subprograms', () => {
  test('the program first, then subprograms depth first in order of first use', () => {
    const o = loadObject(objBytes('calls'));
    const layout = (n: string) => linkProgram(o, o.programs.find((p) => p.name === n)!).layout.map((f) => f.name);
    assert.deepEqual(layout('first'), ['first', 'global_sub', 'twice', 'add_one', 'weak_sub']);
    assert.deepEqual(layout('second'), ['second', 'count_cb', 'add_one', 'hidden_sub']);
    assert.deepEqual(layout('third'), ['third', 'each_cb', 'twice', 'add_one']);
  });

  for (const f of objFixtures()) {
    for (const eb of [false, true]) {
      test(`${f.name}${eb ? ' (bpfeb)' : ''}: calls land on their callee's first instruction, func_info at every function`, () => {
        const o: ObjectSpec = loadObject(objBytes(f.name, eb));
        for (const p of o.programs) {
          const l = linkProgram(o, p);
          const starts = new Map(l.layout.map((fn) => [fn.start, fn.name]));
          assert.equal(
            l.instructions.length,
            l.layout.reduce((n, fn) => n + fn.length, 0),
          );
          // Every call and callback of every placed function points at the start of the callee it named.
          for (const fn of l.layout) {
            const spec = [...o.programs, ...o.subprograms].find((x) => x.name === fn.name)!;
            for (const r of spec.references) {
              const at = fn.start + r.insn;
              const ins = l.instructions[at]!;
              if (r.kind === 'call') {
                assert.ok(isPseudoCall(ins));
                assert.equal(ins.src, BPF_PSEUDO_CALL);
                assert.equal(starts.get(at + ins.imm + 1), r.target, `${fn.name}+${r.insn}`);
              } else if (r.kind === 'func') {
                assert.ok(isLdImm64(ins));
                assert.equal(ins.src, BPF_PSEUDO_FUNC);
                assert.equal(starts.get(at + ins.imm + 1), r.target);
              } else {
                assert.ok(l.references.some((x) => x.insn === at && x.kind === r.kind));
              }
            }
          }
          if (o.btf) {
            assert.deepEqual(
              l.funcInfo.map((fi) => [fi.insn, o.btf!.typeById(fi.typeId)!.name]),
              l.layout.map((fn) => [fn.start, fn.name]),
            );
          }
          for (const li of l.lineInfo) assert.ok(li.insn < l.instructions.length);
          for (const r of l.references) assert.ok(r.kind !== 'call' && r.kind !== 'func');
          // The object's own instructions are not modified.
          assert.deepEqual(l.instructions.slice(0, p.instructions.length).length, p.instructions.length);
        }
      });
    }
  }

  test('CO-RE relocations move with their function; the original program is untouched', () => {
    const o = loadObject(objBytes('calls'));
    const third = o.programs.find((p) => p.name === 'third')!;
    const before = JSON.stringify(third);
    linkProgram(o, third);
    assert.equal(JSON.stringify(third), before);
  });

  test('a call of a function the object lacks is an error naming program and instruction', () => {
    const o = loadObject(objBytes('calls'));
    const first = o.programs.find((p) => p.name === 'first')!;
    const broken = { ...first, references: first.references.map((r) => (r.kind === 'call' ? { ...r, target: 'nowhere' } : r)) };
    assert.throws(
      () => linkProgram(o, broken),
      (e: unknown) => e instanceof ObjectError && e.program === 'first' && e.insn === 1 && /nowhere/.test(e.message),
    );
  });
});
