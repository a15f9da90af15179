import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRun, oraclesUnavailable } from '../oracle/oracles.js';
import { CORE_RELOC, coreRelocCases } from './corpus.js';

const skip = oraclesUnavailable() ?? (process.getuid?.() === 0 ? false : 'needs root (libbpf loads the programs)');

// The yardstick itself: under libbpf 1.1 on this kernel, every case of the kernel's core_reloc
// selftest built here behaves as prog_tests/core_reloc.c expects (cases.json).
describe('core_reloc selftest cases under libbpf (load-run oracle)', { skip }, () => {
  const { data, cases } = coreRelocCases();
  it('has the cases the selftest lists for the families built', () => {
    assert.equal(cases.length, 74);
    assert.equal(cases.filter((c) => c.fails).length, 22);
    // The families clang >= 15 builds (committed objects: nothing compiles at test time).
    assert.equal(cases.filter((c) => c.object === 'test_core_reloc_type_based.bpf.o').length, 6);
    assert.equal(cases.filter((c) => c.object === 'test_core_reloc_enum64val.bpf.o').length, 4);
  });
  for (const c of cases) {
    it(c.name, () => {
      const report = loadRun(join(CORE_RELOC, c.object), {
        btf: join(CORE_RELOC, c.btf),
        only: [c.program],
        ...(c.input.length > 0 ? { set: { '.bss': c.input } } : {}),
      });
      if (c.fails) {
        assert.equal(report.loaded, false, 'libbpf loaded a case that must fail');
        return;
      }
      assert.ok(report.loaded, `not loaded: ${report.error}`);
      const prog = report.programs.find((p) => p.name === c.program);
      assert.ok(prog?.attached, `${c.program} not attached: ${prog?.error}`);
      const bss = report.maps.find((m) => m.name.endsWith('.bss'));
      const value = Buffer.from(bss?.contents?.[0]?.value ?? '', 'hex');
      assert.deepEqual(value.subarray(data.out, data.out + c.output.length), Buffer.from(c.output));
    });
  }
});
