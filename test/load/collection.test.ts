/**
 * Collections from a clang-compiled object (test/fixtures/bpf/load/counter.bpf.c): .rodata
 * constants rewritten before load, global data read back, a struct-keyed hash map and a ring
 * buffer filled by a tracepoint, an XDP program's test run changing .data, the verifier's log
 * for a bad program, and nothing left open after failures.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CandidateSource } from '../../src/core/candidates.js';
import { KernelError, ObjectError, VerifierError } from '../../src/errors.js';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { sharedKernelBtf } from '../../src/load/kernel-btf.js';
import { RingBufferReader } from '../../src/load/ring-buffer.js';
import { ROOT } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const OBJECT = readFileSync(join(ROOT, 'test/fixtures/bpf/load/counter.bpf.o'));

function getppid(n: number): void {
  for (let k = 0; k < n; k++) void process.ppid;
}

test('counter.bpf.o: constants, global data, struct keys, ring buffer, test run', { skip: canBpf() }, async () => {
  using c = Collection.load(OBJECT, {
    name: 'counter.bpf.o',
    constants: { target_tgid: process.pid, step: 3n },
    programs: { xdp_bad: { autoload: false } },
  });
  assert.deepEqual([...c.programs.keys()].sort(), ['count_getppid', 'xdp_count']);
  assert.deepEqual([...c.maps.keys()].sort(), ['.bss', '.data', '.rodata', 'calls', 'events']);
  const rodata = c.maps.get('.rodata')!;
  assert.deepEqual(rodata.lookup(0), { target_tgid: process.pid, step: 3n }, 'constants written before load');
  assert.throws(
    () => rodata.update(0, new Uint8Array(16)),
    (e: unknown) => e instanceof KernelError && e.code === 'EPERM',
    '.rodata is frozen',
  );

  using reader = new RingBufferReader(c.maps.get('events')!);
  const prog = c.programs.get('count_getppid')!;
  const link = c.adopt(autoAttach(prog, c.spec.programs.find((p) => p.name === 'count_getppid')!)!);
  getppid(10);
  link.close();
  const entries = [...c.maps.get('calls')!.entries()];
  assert.equal(entries.length, 1, 'only our process counted (target_tgid)');
  const [key, value] = entries[0]!;
  assert.equal((key as { pid: number }).pid, process.pid);
  assert.equal(typeof (key as { comm: unknown }).comm, 'string');
  assert.equal(value, 30n, '10 calls, step 3');
  assert.deepEqual(c.maps.get('.bss')!.lookup(0), { total: 30n });
  let records = 0;
  reader.drain((r) => {
    assert.equal(new DataView(r.buffer, r.byteOffset).getUint32(0, true), process.pid);
    records++;
  });
  assert.equal(records, 10);

  const xdp = c.programs.get('xdp_count')!;
  assert.equal(xdp.testRun({ data: new Uint8Array(64) }).retval, 2, 'XDP_PASS while current_mode is MODE_ON');
  assert.deepEqual(c.maps.get('.data')!.lookup(0), { runs: 6, current_mode: 'MODE_ON' });
  c.maps.get('.data')!.update(0, { runs: 0, current_mode: 'MODE_OFF' });
  assert.equal(xdp.testRun({ data: new Uint8Array(64) }).retval, 1, 'XDP_DROP after user space changed .data');
  assert.deepEqual(c.maps.get('.data')!.lookup(0), { runs: 1, current_mode: 'MODE_OFF' });
});

test('a refused program fails the load with the verifier log, and nothing stays open', { skip: canBpf() }, () => {
  const attempt = () =>
    assert.throws(
      () => Collection.load(OBJECT, { name: 'counter.bpf.o' }),
      (e: unknown) =>
        e instanceof VerifierError &&
        e.program === 'xdp_bad' &&
        /invalid access to packet|R\d invalid mem access|pkt/.test(e.message),
    );
  attempt();
  const before = openFds();
  for (let k = 0; k < 5; k++) attempt();
  assert.equal(openFds(), before);
  using c = Collection.load(OBJECT, { name: 'counter.bpf.o', keepGoing: true });
  assert.ok(c.errors.get('xdp_bad') instanceof VerifierError);
  assert.ok(c.programs.has('xdp_count'));
});

test('unknown constants and bad objects are typed errors', { skip: canBpf() }, () => {
  assert.throws(
    () =>
      Collection.load(OBJECT, { name: 'counter.bpf.o', constants: { no_such: 1 }, programs: { xdp_bad: { autoload: false } } }),
    (e: unknown) => e instanceof ObjectError && /no_such/.test(e.message),
  );
  assert.throws(
    () =>
      Collection.load(OBJECT, {
        name: 'counter.bpf.o',
        constants: { target_tgid: 'x' },
        programs: { xdp_bad: { autoload: false } },
      }),
    (e: unknown) => e instanceof ObjectError && /target_tgid/.test(e.message),
  );
  assert.throws(
    () => Collection.load(new Uint8Array(64)),
    (e: unknown) => e instanceof Error && e.name !== 'RangeError',
  );
});

test('CO-RE records of programs that are not loaded are not relocated (libbpf skips them too)', { skip: canBpf() }, () => {
  const bytes = readFileSync(join(ROOT, 'test/fixtures/bpf/libbpf-tools/opensnoop.bpf.o'));
  const searched = (programs: Record<string, { autoload: boolean }>): string[] => {
    const names: string[] = [];
    const registry = sharedKernelBtf().snapshot();
    const candidates: CandidateSource = {
      candidates(essential, kind, hint) {
        names.push(essential);
        return registry.candidates(essential, kind, hint);
      },
    };
    Collection.load(bytes, { candidates, programs }).close();
    return names;
  };
  // struct open_how is read by the openat2 entry program alone.
  assert.ok(searched({}).includes('open_how'));
  assert.ok(!searched({ tracepoint__syscalls__sys_enter_openat2: { autoload: false } }).includes('open_how'));
});

test('a `?xdp` program is not loaded unless asked for, as libbpf leaves a `SEC("?...")` program off', { skip: canBpf() }, () => {
  const object = readFileSync(join(ROOT, 'test/fixtures/bpf/load/optional.bpf.o'));
  {
    using c = Collection.load(object, { name: 'optional.bpf.o' });
    assert.deepEqual(
      c.spec.programs.map((p) => [p.name, p.section, p.autoload]),
      [
        ['xdp_pass', 'xdp', true],
        ['xdp_drop', 'xdp', false],
      ],
    );
    assert.deepEqual([...c.programs.keys()], ['xdp_pass']);
  }
  using c = Collection.load(object, {
    name: 'optional.bpf.o',
    programs: { xdp_drop: { autoload: true }, xdp_pass: { autoload: false } },
  });
  assert.deepEqual([...c.programs.keys()], ['xdp_drop']);
  assert.equal(c.programs.get('xdp_drop')!.testRun({ data: new Uint8Array(64) }).retval, 1, 'XDP_DROP');
});
