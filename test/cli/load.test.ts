/** `tsbpf load` on the loader's test object, in-process, with its JSON document checked. */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../fixtures.js';
import { canBpf } from '../load/support.js';
import { cli } from './run.js';

const OBJECT = join(ROOT, 'test/fixtures/bpf/load/counter.bpf.o');

interface Doc {
  programs: {
    name: string;
    section: string;
    type: string;
    attached: boolean;
    error?: string;
    testRun?: { retval: number; durationNs: number };
  }[];
  maps: {
    name: string;
    type: string;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    entries: number;
    contents: unknown;
  }[];
}

test('tsbpf load -j: programs attached and test-run, maps decoded while it ran', { skip: canBpf() }, async () => {
  // getppid keeps being called while the command loads, attaches and waits (however slowly).
  const poke = setInterval(() => {
    for (let k = 0; k < 5; k++) void process.ppid;
  }, 10);
  const r = await cli('load', OBJECT, '--duration', '1.5', '--disable', 'xdp_bad', '--test-run', 'xdp_count', '-j');
  clearInterval(poke);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc;
  assert.deepEqual(
    doc.programs.map((p) => [p.name, p.section, p.type, p.attached]),
    [
      ['count_getppid', 'tp/syscalls/sys_enter_getppid', 'tracepoint', true],
      ['xdp_count', 'xdp', 'xdp', false],
    ],
  );
  assert.equal(doc.programs[1]!.testRun?.retval, 2);
  const byName = new Map(doc.maps.map((m) => [m.name, m]));
  assert.deepEqual(byName.get('.data')!.contents, { runs: 6, current_mode: 'MODE_ON' });
  const calls = byName.get('calls')!;
  assert.equal(calls.keySize, 20);
  const ours = (calls.contents as { key: { pid: number; comm: string }; value: number }[]).find((e) => e.key.pid === process.pid);
  assert.ok(ours !== undefined && ours.value >= 5, `our getppid calls were counted: ${JSON.stringify(calls.contents)}`);
  assert.ok((byName.get('.bss')!.contents as { total: number }).total >= ours.value);
});

test('tsbpf load: a program the verifier refuses is reported, the exit status is 1', { skip: canBpf() }, async () => {
  const r = await cli('load', OBJECT, '--duration', '0', '-j');
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as Doc;
  const bad = doc.programs.find((p) => p.name === 'xdp_bad')!;
  assert.match(bad.error ?? '', /^program xdp_bad: BPF_PROG_LOAD: .*rejected by the verifier/);
  const debug = await cli('load', OBJECT, '--duration', '0', '--debug');
  assert.match(debug.stderr, /xdp_bad: verifier log:\n/);
});

test('tsbpf load: usage errors', async () => {
  assert.equal((await cli('load')).code, 2);
  const r = await cli('load', OBJECT, '--disable', 'nope', '--duration', '0');
  if (canBpf() === false) {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no program 'nope'/);
  }
  assert.equal((await cli('load', OBJECT, '--duration', 'x')).code, 2);
});

test('tsbpf load: maps of descriptors are listed without contents, the rest decoded (bcc syscount)', {
  skip: canBpf(),
}, async () => {
  const syscount = join(ROOT, 'test/fixtures/bpf/libbpf-tools/syscount.bpf.o');
  const poke = setInterval(() => void process.ppid, 10);
  const r = await cli('load', syscount, '--duration', '1', '-j');
  clearInterval(poke);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc;
  assert.ok(
    doc.programs.every((p) => p.attached),
    JSON.stringify(doc.programs),
  );
  const byName = new Map(doc.maps.map((m) => [m.name, m]));
  assert.deepEqual([byName.get('cgroup_map')!.type, byName.get('cgroup_map')!.contents], ['cgroup_array', []]);
  assert.ok(byName.get('start')!.entries > 0, 'syscalls in flight were recorded');
});

const OPTIONAL = join(ROOT, 'test/fixtures/bpf/load/optional.bpf.o');

/** `tsbpf load optional.bpf.o --duration 0 -j ARGS...`: each reported program's name, section and test-run verdict. */
async function loadOptional(...args: string[]): Promise<[string, string, number | undefined][]> {
  const r = await cli('load', OPTIONAL, '--duration', '0', ...args, '-j');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Doc).programs.map((p) => [p.name, p.section, p.testRun?.retval]);
}

test('tsbpf load leaves out a `?xdp` program, as it is not loaded by default', { skip: canBpf() }, async () => {
  assert.deepEqual(await loadOptional('--test-run', 'xdp_pass'), [['xdp_pass', 'xdp', 2]]);
});

test('tsbpf load --enable loads a `?xdp` program as well', { skip: canBpf() }, async () => {
  assert.deepEqual(await loadOptional('--enable', 'xdp_drop', '--test-run', 'xdp_drop'), [
    ['xdp_pass', 'xdp', undefined],
    ['xdp_drop', 'xdp', 1],
  ]);
});

test('tsbpf load refuses a program both enabled and disabled', async () => {
  const r = await cli('load', OPTIONAL, '--enable', 'xdp_drop', '--disable', 'xdp_drop');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /program 'xdp_drop' is both enabled and disabled/);
});

test('tsbpf load refuses to enable a program the object lacks, naming those it has', { skip: canBpf() }, async () => {
  const r = await cli('load', OPTIONAL, '--duration', '0', '--enable', 'xdp_nope');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no program 'xdp_nope'.*it has: xdp_pass, xdp_drop/);
});
