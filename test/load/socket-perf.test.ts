/**
 * A socket filter attached to a UDP socket with SO_ATTACH_BPF counts the datagrams sent to it
 * and their bytes, and stops when detached; a section `perf_event` program auto-attached to
 * cpu-clock events fires on the online CPUs and stops when its link closes
 * (test/fixtures/bpf/attach/socket-perf.bpf.c).
 */
import * as assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KernelError, TsbpfError } from '../../src/errors.js';
import { attachPerfSampling, cpuListMembers } from '../../src/link/perf-sampling.js';
import { attachSocketFilter } from '../../src/link/socket-filter.js';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { ROOT } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const OBJECT = join(ROOT, 'test/fixtures/bpf/attach/socket-perf.bpf.o');

/** The descriptor behind a Node UDP socket (libuv's handle; Node has no public accessor). */
function socketFd(s: Socket): number {
  const fd = (s as unknown as { _handle: { fd: number } })._handle.fd;
  assert.ok(Number.isInteger(fd) && fd >= 0, `socket fd ${fd}`);
  return fd;
}

function once<T>(register: (done: (v: T) => void) => void): Promise<T> {
  return new Promise(register);
}

/** Sends each payload to `to` over loopback and waits (5 s at most) until all have arrived. */
async function sendAll(from: Socket, port: number, payloads: Uint8Array[], to: Socket): Promise<void> {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const all = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${received} of ${payloads.length} datagrams arrived in 5 s`)), 5000);
    to.on('message', () => {
      if (++received === payloads.length) resolve();
    });
  });
  try {
    for (const p of payloads) {
      await new Promise<void>((resolve, reject) => from.send(p, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
    await all;
  } finally {
    clearTimeout(timer);
    to.removeAllListeners('message');
  }
}

test('socket filter: SO_ATTACH_BPF on a UDP socket counts datagrams and bytes; detached on close', {
  skip: canBpf(),
}, async () => {
  const before = openFds();
  using c = Collection.load(readFileSync(OBJECT), { programs: { count_samples: { autoload: false } } });
  const prog = c.programs.get('count_packets')!;
  assert.equal(autoAttach(prog, c.spec.programs.find((p) => p.name === 'count_packets')!), undefined, 'a socket names no target');
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  try {
    await once<void>((done) => rx.bind(0, '127.0.0.1', () => done()));
    const port = rx.address().port;
    const payloads = [1, 10, 100, 1000, 1400].map((n) => new Uint8Array(n).fill(n & 0xff));
    const bss = () => c.maps.get('.bss')!.lookup(0) as Record<string, bigint>;
    {
      using filter = attachSocketFilter(prog, socketFd(rx));
      assert.match(String(filter), /^socket filter count_packets on fd \d+$/);
      await sendAll(tx, port, payloads, rx);
    }
    const udpBytes = payloads.reduce((n, p) => n + 8 + p.length, 0); // each with its UDP header
    assert.deepEqual([bss().packets, bss().bytes], [5n, BigInt(udpBytes)]);
    await sendAll(tx, port, payloads.slice(0, 2), rx);
    assert.equal(bss().packets, 5n, 'detached: later datagrams are not seen');
  } finally {
    rx.close();
    tx.close();
  }
  c.close();
  assert.equal(openFds(), before);
});

test('socket filter: wrong program type, a descriptor that is not a socket', { skip: canBpf() }, () => {
  using c = Collection.load(readFileSync(OBJECT));
  assert.throws(
    () => attachSocketFilter(c.programs.get('count_samples')!, 0),
    (e: unknown) => e instanceof TsbpfError && /^program count_samples: a socket filter must be/.test(e.message),
  );
  const maps = c.maps.get('.bss')!.fd.raw;
  assert.throws(
    () => attachSocketFilter(c.programs.get('count_packets')!, maps),
    (e: unknown) =>
      e instanceof KernelError && e.code === 'ENOTSOCK' && /^socket filter count_packets on fd \d+: setsockopt/.test(e.message),
  );
});

test('perf_event: auto-attached to cpu-clock on every online CPU, the program fires; detached on close', {
  skip: canBpf(),
}, async () => {
  const before = openFds();
  {
    using c = Collection.load(readFileSync(OBJECT), { programs: { count_packets: { autoload: false } } });
    const prog = c.programs.get('count_samples')!;
    const bss = () => c.maps.get('.bss')!.lookup(0) as Record<string, bigint>;
    const online = cpuListMembers(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
    {
      using link = autoAttach(prog, c.spec.programs.find((p) => p.name === 'count_samples')!)!;
      assert.equal(link.description, 'perf_event count_samples on cpu-clock');
      // 1 kHz on each CPU: a busy half second gives hundreds of samples, even emulated.
      const end = Date.now() + 500;
      while (Date.now() < end) Math.sqrt(Math.random());
      await new Promise((r) => setTimeout(r, 200));
    }
    const { samples, cpu_mask } = bss();
    assert.ok(samples! > 10n, `${samples} samples`);
    for (let cpu = 0; cpu < 64; cpu++)
      if ((cpu_mask! >> BigInt(cpu)) & 1n) assert.ok(online.includes(cpu), `a sample on CPU ${cpu}, which is online`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(bss().samples, samples, 'no sample after the link closed');
  }
  assert.equal(openFds(), before);
});

test('perf_event sampling: wrong program type, no CPU, a CPU that does not exist; nothing left open', { skip: canBpf() }, () => {
  using c = Collection.load(readFileSync(OBJECT));
  const before = openFds();
  assert.throws(
    () => attachPerfSampling(c.programs.get('count_packets')!),
    (e: unknown) =>
      e instanceof TsbpfError && /^program count_packets: perf event sampling needs type perf_event/.test(e.message),
  );
  const prog = c.programs.get('count_samples')!;
  assert.throws(
    () => attachPerfSampling(prog, { cpus: [] }),
    (e: unknown) => e instanceof TsbpfError && /no CPU to sample on/.test(e.message),
  );
  // The first CPU attaches, the second (far beyond any machine's) fails: the first is undone.
  assert.throws(
    () => attachPerfSampling(prog, { cpus: [0, 100_000] }),
    (e: unknown) => e instanceof KernelError && /CPU 100000/.test(e.message),
  );
  assert.equal(openFds(), before);
});

test('cpuListMembers reads kernel CPU lists', () => {
  assert.deepEqual(cpuListMembers('0-3,5,7-8\n'), [0, 1, 2, 3, 5, 7, 8]);
  assert.deepEqual(cpuListMembers('0'), [0]);
  assert.throws(() => cpuListMembers('0-a'), TsbpfError);
});
