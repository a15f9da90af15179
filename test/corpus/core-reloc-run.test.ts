/**
 * The kernel's core_reloc selftest cases, relocated, loaded and run by tsbpf: each program is
 * relocated against its case's target BTF (the btf__core_reloc_* object, as libbpf's
 * btf_custom_path), loaded, attached to sys_enter, given the case's input in `data.in` and run
 * once; `data.out` must then hold what prog_tests/core_reloc.c expects (cases.json), and the cases
 * the selftest expects to fail must fail to load. The same cases pass under libbpf 1.1 on the same
 * kernel (oracle-core-reloc-cases.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
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

// The selftest's "kernel" case: relocated against the running kernel's own BTF (no target file),
// it reads the current task through chains of group_leader and its comm. The selftest expects
// the comm of its own binary, test_progs; here the expected comm is this process's.
describe('core_reloc selftest case "kernel" under tsbpf', { skip }, () => {
  it("kernel: the current task read through the running kernel's BTF", () => {
    using coll = Collection.load(readObject(join(CORE_RELOC, 'test_core_reloc_kernel.bpf.o')));
    const prog = coll.programs.get('test_core_kernel')!;
    const bss = coll.maps.get('.bss')!;
    const start = new Uint8Array(bss.lookupBytes(0)!);
    // data: char in[256]; char out[256]; bool skip; u64 my_pid_tgid (at 520). The main thread's
    // thread ID is the process ID.
    const view = new DataView(start.buffer, start.byteOffset, start.byteLength);
    view.setBigUint64(520, (BigInt(process.pid) << 32n) | BigInt(process.pid), true);
    bss.update(0, start);
    coll.adopt(autoAttach(prog, coll.spec.programs.find((p) => p.name === 'test_core_kernel')!)!);
    statSync('/');
    const after = bss.lookupBytes(0)!;
    assert.equal(after[512], 0, 'not skipped');
    // struct core_reloc_kernel_output { int valid[10]; char comm[11]; int comm_len; bool local_task_struct_matches; }
    const out = new DataView(after.buffer, after.byteOffset + 256, 64);
    assert.deepEqual(
      Array.from({ length: 10 }, (_, i) => out.getInt32(i * 4, true)),
      Array(10).fill(1),
      'pid and tgid through 0 to 8 group_leader hops',
    );
    const comm = readFileSync('/proc/self/comm', 'utf8').trimEnd();
    const expected = new TextEncoder().encode(comm).subarray(0, 10);
    const got = after.subarray(256 + 40, 256 + 51);
    assert.deepEqual(Buffer.from(got.subarray(0, expected.length + 1)), Buffer.concat([Buffer.from(expected), Buffer.from([0])]));
    assert.equal(out.getInt32(52, true), expected.length + 1, 'comm_len counts the NUL');
    assert.equal(after[256 + 56], 1, "struct task_struct___local matches the kernel's task_struct");
  });
});
