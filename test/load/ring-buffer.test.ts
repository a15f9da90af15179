/**
 * The ring buffer reader on a real ring: records written by a program (run with
 * BPF_PROG_TEST_RUN) come out whole and in order as the positions wrap many times around a small
 * ring, including records that run past the ring's end, with discarded records skipped; through
 * every way of reading (consume, drain, takeBatch, the async iterator). A record still being
 * written (its header's busy bit set) stops the reader until the program commits it.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Instruction } from '../../src/asm/instruction.js';
import { Collection } from '../../src/load/collection.js';
import { BpfMap } from '../../src/load/map.js';
import { pageSize } from '../../src/load/page-size.js';
import { Program } from '../../src/load/program.js';
import { RingBufferReader } from '../../src/load/ring-buffer.js';
import { Prot } from '../../src/sys/ffi.js';
import { MapType } from '../../src/sys/map-type.js';
import { mmapFd } from '../../src/sys/perf.js';
import { ProgType } from '../../src/sys/prog-type.js';
import { ROOT, readFixture } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

/** The u64 at word `j` of record `n` of a run: distinct for every word of every record of a run. */
const word = (n: number, j: number) => n * 256 + j;

/**
 * `count` records of `size` bytes (a multiple of 8) per run, record `n`'s word `j` = word(n, j).
 * With `discardOdd`, each record is reserved (bpf_ringbuf_reserve), filled, then submitted, or
 * discarded when `n` is odd; otherwise it is written from the stack with bpf_ringbuf_output.
 */
function emit(ringFd: number, size: number, count: number, discardOdd = false): Instruction[] {
  const out: Instruction[] = [];
  for (let n = 0; n < count; n++) {
    if (discardOdd) {
      out.push(i(0x18, 1, 1, 0, ringFd), i(0)); // r1 = ring
      out.push(i(0xb7, 2, 0, 0, size), i(0xb7, 3, 0, 0, 0)); // r2 = size, r3 = 0
      out.push(i(0x85, 0, 0, 0, 131)); // call bpf_ringbuf_reserve
      out.push(i(0x15, 0, 0, size / 8 + 3, 0)); // if r0 == 0 goto past the submit
      for (let j = 0; j < size / 8; j++) out.push(i(0x7a, 0, 0, j * 8, word(n, j))); // *(u64 *)(r0 + 8j) = word
      out.push(i(0xbf, 1, 0), i(0xb7, 2, 0, 0, 0)); // r1 = r0, r2 = 0
      out.push(i(0x85, 0, 0, 0, n % 2 === 1 ? 133 : 132)); // bpf_ringbuf_discard / bpf_ringbuf_submit
    } else {
      for (let j = 0; j < size / 8; j++) out.push(i(0x7a, 10, 0, -size + j * 8, word(n, j)));
      out.push(i(0x18, 1, 1, 0, ringFd), i(0)); // r1 = ring
      out.push(i(0xbf, 2, 10), i(0x07, 2, 0, 0, -size)); // r2 = r10 - size
      out.push(i(0xb7, 3, 0, 0, size), i(0xb7, 4, 0, 0, 0)); // r3 = size, r4 = 0
      out.push(i(0x85, 0, 0, 0, 130)); // call bpf_ringbuf_output
    }
  }
  out.push(i(0xb7, 0, 0, 0, 2), i(0x95));
  return out;
}

/** Which record of a run `bytes` is (checking every word), or a failure message. */
function recordNumber(view: DataView, offset: number, length: number, size: number): number {
  assert.equal(length, size);
  const n = Math.floor(view.getUint32(offset, true) / 256);
  for (let j = 0; j < size / 8; j++) {
    const lo = view.getUint32(offset + j * 8, true);
    const hi = view.getUint32(offset + j * 8 + 4, true);
    if (lo !== word(n, j) || hi !== 0) assert.fail(`record ${n}: word ${j} is ${hi}:${lo}, expected ${word(n, j)}`);
  }
  return n;
}

function ringAndProgram(size: number, count: number, discardOdd = false) {
  const ring = BpfMap.create({ name: 'ring', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
  try {
    const prog = Program.load({ name: 'emit', type: ProgType.XDP, instructions: emit(ring.fd.raw, size, count, discardOdd) });
    return { ring, prog };
  } catch (err) {
    ring.close();
    throw err;
  }
}

const run = (prog: Program) => prog.testRun({ data: new Uint8Array(64) });

test('ring buffer: records survive wrapping around a 4 KiB ring, those across its end included', { skip: canBpf() }, () => {
  const before = openFds();
  {
    // 200-byte records take 208 bytes of ring: 4096 is no multiple of it, so the records cross
    // the end at ever different offsets.
    const { ring, prog } = ringAndProgram(200, 3);
    using _ring = ring;
    using _prog = prog;
    using reader = new RingBufferReader(ring);
    assert.equal(reader.size, 4096);
    let across = 0;
    let total = 0;
    for (let r = 0; r < 100; r++) {
      run(prog);
      const got: number[] = [];
      const n = reader.consume((view, offset, length) => {
        if (offset + length > reader.size) across++;
        got.push(recordNumber(view, offset, length, 200));
      });
      assert.equal(n, 3);
      assert.deepEqual(got, [0, 1, 2], `run ${r}`);
      total += n;
      assert.equal(reader.pending, 0);
    }
    assert.equal(reader.consumerPosition, 300 * 208, 'positions are running counts');
    assert.ok(reader.consumerPosition > 7 * reader.size, 'wrapped several times');
    // The records whose 200 bytes run past the end: those starting within 208 bytes of it.
    let expected = 0;
    for (let k = 0; k < 300; k++) if (((k * 208) % 4096) + 208 > 4096) expected++;
    assert.ok(expected > 10);
    assert.equal(across, expected);
    assert.equal(total, 300);
    assert.equal(reader.delivered, 300);
  }
  assert.equal(openFds(), before);
});

test('ring buffer: drain, takeBatch and the iterator copy wrapped records whole', { skip: canBpf() }, async () => {
  const { ring, prog } = ringAndProgram(200, 3);
  using _ring = ring;
  using _prog = prog;
  using reader = new RingBufferReader(ring, { batchBytes: 512 });
  const check = (records: Uint8Array[]) =>
    records.map((r) => recordNumber(new DataView(r.buffer, r.byteOffset, r.byteLength), 0, r.byteLength, 200));
  for (let r = 0; r < 60; r++) {
    run(prog);
    const kept: Uint8Array[] = [];
    if (r % 4 === 0) {
      assert.equal(
        reader.drain((rec) => kept.push(rec)),
        3,
      );
    } else if (r % 4 === 1) {
      // 512 bytes a batch: the first holds three records (at least one goes past 512 bytes).
      for (let b = reader.takeBatch(); b.length > 0; b = reader.takeBatch()) kept.push(...b);
    } else if (r % 4 === 3) {
      for await (const batch of reader.batches(256)) {
        kept.push(...batch);
        if (kept.length === 3) break;
      }
    } else {
      for await (const rec of reader) {
        kept.push(rec);
        if (kept.length === 3) break;
      }
    }
    // Copies: the ring moving on does not change them.
    run(prog);
    assert.deepEqual(check(kept), [0, 1, 2], `run ${r}`);
    assert.equal(
      reader.consume(() => {}),
      3,
    );
  }
  assert.ok(reader.consumerPosition > 14 * 4096);
});

test('ring buffer: discarded records are skipped and their room is reused', { skip: canBpf() }, () => {
  // 120-byte records, odd ones discarded: 5 reserved per run, 0, 2 and 4 delivered.
  const { ring, prog } = ringAndProgram(120, 5, true);
  using _ring = ring;
  using _prog = prog;
  using reader = new RingBufferReader(ring);
  let copies = 0;
  for (let r = 0; r < 80; r++) {
    run(prog);
    const got: number[] = [];
    if (r % 2 === 0) {
      reader.consume((view, offset, length) => {
        got.push(recordNumber(view, offset, length, 120));
      });
    } else {
      reader.drain((rec) => got.push(recordNumber(new DataView(rec.buffer, rec.byteOffset), 0, rec.byteLength, 120)));
      copies++;
    }
    assert.deepEqual(got, [0, 2, 4], `run ${r}`);
    assert.equal(reader.pending, 0, 'discarded records are consumed too');
  }
  assert.equal(reader.consumerPosition, 80 * 5 * 128, 'a discarded record takes its room until consumed');
  assert.equal(reader.delivered, 80 * 3);
  assert.equal(copies, 40);
});

test('ring buffer: stopping early leaves the rest in the ring', { skip: canBpf() }, async () => {
  const { ring, prog } = ringAndProgram(64, 6);
  using _ring = ring;
  using _prog = prog;
  using reader = new RingBufferReader(ring);
  run(prog);
  const seen: number[] = [];
  const take = (view: DataView, offset: number, length: number) => seen.push(recordNumber(view, offset, length, 64));
  assert.equal(reader.consume(take, 2), 2, 'limit');
  assert.equal(
    reader.consume((v, o, l) => {
      take(v, o, l);
      return seen.at(-1) !== 3;
    }),
    2,
    'false stops after the record',
  );
  for await (const rec of reader) {
    seen.push(recordNumber(new DataView(rec.buffer, rec.byteOffset), 0, rec.byteLength, 64));
    break;
  }
  assert.throws(() =>
    reader.consume(() => {
      throw new Error('stop');
    }),
  );
  assert.equal(reader.pending, 0, 'the record a callback threw on is consumed');
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  run(prog);
  // close() from inside the callback: no more records, nothing read from unmapped memory.
  let after = 0;
  assert.equal(
    reader.consume(() => {
      after++;
      reader.close();
    }),
    1,
  );
  assert.equal(after, 1);
  assert.equal(
    reader.consume(() => {}),
    0,
  );
  assert.deepEqual(reader.takeBatch(), []);
});

test('ring buffer: a record still being written (busy bit) stops the reader until it is committed', {
  skip: canBpf(),
}, async () => {
  // ringbuf-busy.bpf.c: each run reserves a record, zeroes it, reads the clock `spins` times and
  // only then fills it (words 1..8) and submits it.
  using c = Collection.load(readFixture(join(ROOT, 'test/fixtures/bpf/load/ringbuf-busy.bpf.o')), {
    name: 'ringbuf-busy.bpf.o',
    constants: { spins: 200_000 },
  });
  const ring = c.maps.get('ring')!;
  const prog = c.programs.get('slow_writer')!;
  using reader = new RingBufferReader(ring);
  // The test's own view of the ring's data pages, to read the header at the consumer position.
  const page = pageSize();
  const data = mmapFd(ring.fd, page + 2 * ring.maxEntries, Prot.READ, page, 'ring data');
  const headers = new Int32Array(data.buffer, page, (2 * ring.maxEntries) / 4);
  try {
    // Whether the reader is scheduled while a record is reserved depends on the machine's load:
    // a batch of runs that never met one is repeated, up to five batches. Every batch must still
    // deliver every record whole.
    let busyMet = 0;
    for (let batch = 0; batch < 5 && busyMet === 0; batch++) {
      busyMet = await runBatch(reader, ring.maxEntries, headers, prog.fd.raw);
    }
    assert.ok(busyMet > 0, 'the reader met a busy record');
  } finally {
    data.unmap();
  }
});

/**
 * Runs `slow_writer` 40 times in a worker thread (BPF_PROG_TEST_RUN blocks its caller) while this
 * thread consumes; checks every record arrived whole and returns how often the reader stood at a
 * reserved record (its header's busy bit, the sign bit, set).
 */
async function runBatch(reader: RingBufferReader, maxEntries: number, headers: Int32Array, fd: number) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const testRun = new URL('../../src/sys/test-run.js', import.meta.url).href;
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     import(workerData.testRun)
       .then((m) => m.progTestRun(workerData.fd, { data: new Uint8Array(64), repeat: workerData.repeat }))
       .finally(() => { Atomics.store(workerData.flag, 0, 1); });`,
    { eval: true, workerData: { testRun, fd, repeat: 40, flag } },
  );
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  let delivered = 0;
  let busyMet = 0;
  const check = (view: DataView, offset: number, length: number) => {
    assert.equal(length, 64);
    for (let j = 0; j < 8; j++) assert.equal(view.getBigUint64(offset + j * 8, true), BigInt(j + 1), `word ${j}`);
    delivered++;
  };
  const deadline = Date.now() + 60_000;
  while (Atomics.load(flag, 0) === 0 && Date.now() < deadline) {
    reader.consume(check);
    const at = (reader.consumerPosition % maxEntries) / 4;
    if (reader.pending > 0 && Atomics.load(headers, at) < 0) busyMet++;
  }
  await exited;
  reader.consume(check);
  assert.equal(Atomics.load(flag, 0), 1, 'the program ran to the end');
  assert.equal(reader.pending, 0);
  assert.equal(delivered, 40, 'every run reserved and submitted one record');
  return busyMet;
}
