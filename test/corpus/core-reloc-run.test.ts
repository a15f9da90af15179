/**
 * The kernel's core_reloc selftest cases, relocated, loaded and run by tsbpf: each program is
 * relocated against its case's target BTF (the btf__core_reloc_* object, as libbpf's
 * btf_custom_path), loaded, attached to sys_enter, given the case's input in `data.in` and run
 * once; `data.out` must then hold what prog_tests/core_reloc.c expects (cases.json), and the cases
 * the selftest expects to fail must fail to load. The same cases pass under libbpf 1.1 on the same
 * kernel (oracle-core-reloc-cases.test.ts).
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSpecFromBytes } from '../../src/btf/load.js';
import { specCandidateSource } from '../../src/core/candidates.js';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { tracefsUnavailable } from '../oracle/oracles.js';
import { CORE_RELOC, coreRelocCases, readObject } from './corpus.js';

const skip = process.getuid?.() !== 0 ? 'needs root (programs are loaded)' : (tracefsUnavailable() ?? false);

describe('core_reloc selftest cases under tsbpf', { skip }, () => {
  const { data, cases } = coreRelocCases();
  for (const c of cases) {
    it(c.name, () => {
      const target = loadSpecFromBytes(readObject(join(CORE_RELOC, c.btf)));
      const load = () =>
        Collection.load(readObject(join(CORE_RELOC, c.object)), {
          candidates: specCandidateSource([{ name: c.btf, spec: target }]),
        });
      if (c.fails) {
        assert.throws(load, `tsbpf loaded ${c.program} against ${c.btf}, which libbpf refuses`);
        return;
      }
      using coll = load();
      const prog = coll.programs.get(c.program);
      assert.ok(prog, `no program ${c.program}`);
      const bss = coll.maps.get('.bss');
      assert.ok(bss, 'no .bss map');
      const value = bss.lookupBytes(0);
      assert.ok(value);
      const start = new Uint8Array(value);
      start.set(c.input, data.in);
      bss.update(0, start);
      const spec = coll.spec.programs.find((p) => p.name === c.program);
      assert.ok(spec);
      const link = autoAttach(prog, spec);
      assert.ok(link, `${c.program} was not attached`);
      coll.adopt(link);
      statSync('/'); // a system call: sys_enter fires
      const after = bss.lookupBytes(0);
      assert.ok(after);
      assert.deepEqual(Buffer.from(after.subarray(data.out, data.out + c.output.length)), Buffer.from(c.output));
      // Programs that a too old clang compiled into a stub say so in data.skip.
      if (after.length > data.skip) assert.equal(after[data.skip], 0, `${c.program} skipped its checks`);
    });
  }
});
