/**
 * Ring buffers and perf event arrays deliver what a program emits (an XDP program run with
 * BPF_PROG_TEST_RUN writes numbered 64-byte records), as async iterables.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { BpfMap } from '../../src/load/map.js';
import { PerfBufferReader } from '../../src/load/perf-buffer.js';
import { possibleCpus } from '../../src/load/possible-cpus.js';
import { Program } from '../../src/load/program.js';
import { RingBufferReader } from '../../src/load/ring-buffer.js';
import { MapType } from '../../src/sys/map-type.js';
import { ProgType } from '../../src/sys/prog-type.js';
import { ringbufEmit } from './insns.js';
import { canBpf, openFds } from './support.js';

test('ring buffer: every record, in order, through the async iterator', { skip: canBpf() }, async () => {
  const before = openFds();
  {
    using ring = BpfMap.create({ name: 'events', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
    using prog = Program.load({
      name: 'emit_ring',
      type: ProgType.XDP,
      instructions: ringbufEmit(ring.fd.raw, 64, 'ringbuf', 4),
    });
    using reader = new RingBufferReader(ring);
    const runs = 200;
    const got: number[] = [];
    const consume = (async () => {
      for await (const record of reader) {
        assert.equal(record.byteLength, 64);
        got.push(Number(new DataView(record.buffer, record.byteOffset).getBigUint64(0, true)));
        if (got.length === runs * 4) break;
      }
    })();
    // 200 runs of 4 records = 57,600 bytes with headers: fits the 64 KiB ring even unread.
    for (let r = 0; r < runs; r++) prog.testRun({ data: new Uint8Array(64) });
    await consume;
    assert.equal(got.length, runs * 4);
    assert.deepEqual(got.slice(0, 8), [0, 1, 2, 3, 0, 1, 2, 3]);
    assert.equal(reader.pending, 0);
    // A full ring drops records (bpf_ringbuf_output fails) but never corrupts: write past capacity.
    for (let r = 0; r < 400; r++) prog.testRun({ data: new Uint8Array(64) });
    let n = 0;
    reader.drain(() => n++);
    assert.ok(n > 0 && n < 1600, `${n} records from an overfull ring`);
  }
  assert.equal(openFds(), before, 'map, program and mappings released');
});

test('ring buffer: the iterator waits without blocking the event loop', { skip: canBpf() }, async () => {
  using ring = BpfMap.create({ name: 'events', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
  using prog = Program.load({ name: 'emit_ring', type: ProgType.XDP, instructions: ringbufEmit(ring.fd.raw, 64, 'ringbuf', 1) });
  // One wait lasts 2 s: were it on the JavaScript thread, a 100 ms timer could not fire before it ends.
  using reader = new RingBufferReader(ring, { waitMs: 2000 });
  const first = (async () => {
    for await (const record of reader) return record;
    return undefined;
  })();
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const waited = Date.now() - t0;
  assert.ok(waited < 1500, `a 100 ms timer fired after ${waited} ms while the reader waited`);
  prog.testRun({ data: new Uint8Array(64) });
  const t1 = Date.now();
  const record = await first;
  assert.equal(record?.byteLength, 64);
  assert.ok(Date.now() - t1 < 1500, 'the record woke the waiting reader');
});

test('perf event array: samples from the current CPU, lost counts start at zero', { skip: canBpf() }, async () => {
  const before = openFds();
  {
    using events = BpfMap.create({
      name: 'perf_events',
      type: MapType.PERF_EVENT_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: possibleCpus(),
    });
    using prog = Program.load({ name: 'emit_perf', type: ProgType.XDP, instructions: ringbufEmit(events.fd.raw, 64, 'perf', 2) });
    using reader = new PerfBufferReader(events);
    for (let r = 0; r < 100; r++) prog.testRun({ data: new Uint8Array(64) });
    const got: number[] = [];
    for await (const sample of reader) {
      // The kernel pads raw samples (with their u32 size) to 8 bytes: 64 bytes arrive as 68.
      assert.equal(sample.data.byteLength, 68);
      got.push(Number(new DataView(sample.data.buffer, sample.data.byteOffset).getBigUint64(0, true)));
      if (got.length === 200) break;
    }
    assert.deepEqual(got.slice(0, 4), [0, 1, 0, 1]);
    assert.equal(reader.lost, 0n);
  }
  assert.equal(openFds(), before, 'perf events, mappings, map and program released');
});
