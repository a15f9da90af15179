/**
 * The perf event array reader on real perf buffers of one page per CPU: samples written by a
 * program (run with BPF_PROG_TEST_RUN) come out whole as each buffer wraps many times, those
 * across its end included; samples the kernel drops are all counted as lost.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Instruction } from '../../src/asm/instruction.js';
import { BpfMap } from '../../src/load/map.js';
import { PerfBufferReader } from '../../src/load/perf-buffer.js';
import { possibleCpus } from '../../src/load/possible-cpus.js';
import { Program } from '../../src/load/program.js';
import { MapType } from '../../src/sys/map-type.js';
import { ProgType } from '../../src/sys/prog-type.js';
import { canBpf, openFds } from './support.js';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });
const word = (n: number, j: number) => n * 256 + j;

/** `count` samples of `size` bytes per run (bpf_perf_event_output, current CPU); sample n's word j = word(n, j). */
function emit(mapFd: number, size: number, count: number): Instruction[] {
  const out: Instruction[] = [i(0xbf, 6, 1)]; // r6 = ctx
  for (let n = 0; n < count; n++) {
    for (let j = 0; j < size / 8; j++) out.push(i(0x7a, 10, 0, -size + j * 8, word(n, j)));
    out.push(i(0xbf, 1, 6)); // r1 = ctx
    out.push(i(0x18, 2, 1, 0, mapFd), i(0)); // r2 = perf event array
    out.push(i(0x18, 3, 0, 0, -1), i(0)); // r3 = BPF_F_CURRENT_CPU
    out.push(i(0xbf, 4, 10), i(0x07, 4, 0, 0, -size)); // r4 = r10 - size
    out.push(i(0xb7, 5, 0, 0, size)); // r5 = size
    out.push(i(0x85, 0, 0, 0, 25)); // call bpf_perf_event_output
  }
  out.push(i(0xb7, 0, 0, 0, 2), i(0x95));
  return out;
}

/** Which sample of a run these bytes are, every word checked (the kernel's padding follows them). */
function sampleNumber(view: DataView, offset: number, length: number, size: number): number {
  // The raw size (u32) and the data are padded to a multiple of 8 bytes.
  assert.equal(length, ((size + 4 + 7) & ~7) - 4);
  const n = Math.floor(view.getUint32(offset, true) / 256);
  for (let j = 0; j < size / 8; j++) {
    const lo = view.getUint32(offset + j * 8, true);
    const hi = view.getUint32(offset + j * 8 + 4, true);
    if (lo !== word(n, j) || hi !== 0) assert.fail(`sample ${n}: word ${j} is ${hi}:${lo}, expected ${word(n, j)}`);
  }
  return n;
}

function setUp(size: number, count: number) {
  const events = BpfMap.create({
    name: 'events',
    type: MapType.PERF_EVENT_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: possibleCpus(),
  });
  try {
    const prog = Program.load({ name: 'emit_perf', type: ProgType.XDP, instructions: emit(events.fd.raw, size, count) });
    return { events, prog };
  } catch (err) {
    events.close();
    throw err;
  }
}

const run = (prog: Program) => prog.testRun({ data: new Uint8Array(64) });

test('perf buffer: samples survive wrapping around a one-page buffer, those across its end included', { skip: canBpf() }, () => {
  const before = openFds();
  {
    // 64-byte samples take 80 bytes of buffer (header 8, size 4, data padded to 68): 4096 is no
    // multiple of 80, so samples cross the end at ever different offsets.
    const { events, prog } = setUp(64, 5);
    using _events = events;
    using _prog = prog;
    using reader = new PerfBufferReader(events, { pages: 1 });
    const perCpu = new Map<number, number>();
    let across = 0;
    for (let r = 0; r < 200; r++) {
      run(prog);
      const got: number[] = [];
      reader.consume((view, offset, length, cpu, bytes) => {
        got.push(sampleNumber(view, offset, length, 64));
        perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + 1);
        if (bytes.byteLength !== 4096) across++; // handed over from the scratch copy
      });
      // One run stays on one CPU: its samples are in order in that CPU's buffer.
      assert.deepEqual(got, [0, 1, 2, 3, 4], `run ${r}`);
    }
    // Each CPU's buffer starts at 0 and holds only these samples: those starting within 80 bytes
    // of the end run past it.
    let expected = 0;
    for (const count of perCpu.values()) {
      for (let k = 0; k < count; k++) if (((k * 80) % 4096) + 80 > 4096) expected++;
    }
    assert.ok(expected >= 10, `${expected} samples across the end`);
    assert.equal(across, expected);
    assert.equal(reader.delivered, 1000);
    assert.equal(reader.lost, 0n);
  }
  assert.equal(openFds(), before);
});

/**
 * Runs `fn` with this process's main thread pinned to one CPU (through taskset, from outside),
 * so that every BPF_PROG_TEST_RUN writes into the same CPU's buffer.
 */
function onOneCpu(fn: () => void): void {
  const status = readFileSync('/proc/self/status', 'utf8');
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  const cpu = allowed?.split(/[,-]/)[0];
  assert.ok(allowed !== undefined && cpu !== undefined, 'Cpus_allowed_list in /proc/self/status');
  const pin = (list: string) => {
    const r = spawnSync('taskset', ['-p', '-c', list, String(process.pid)]);
    assert.equal(r.status, 0, `taskset: ${r.stderr}`);
  };
  pin(cpu);
  try {
    fn();
  } finally {
    pin(allowed);
  }
}

test('perf buffer: every sample a full buffer drops is counted as lost', { skip: canBpf() }, () => {
  const big = setUp(64, 100);
  using events = big.events;
  using _prog = big.prog;
  using one = Program.load({ name: 'emit_one', type: ProgType.XDP, instructions: emit(events.fd.raw, 64, 1) });
  using reader = new PerfBufferReader(events, { pages: 1 });
  let emitted = 0;
  let delivered = 0;
  const count = () =>
    reader.consume((view, offset, length) => {
      sampleNumber(view, offset, length, 64);
      delivered++;
    });
  onOneCpu(() => {
    // 100 samples of 80 bytes do not fit in 4096 bytes: the kernel drops the rest, and reports
    // how many in a PERF_RECORD_LOST record when it next writes into that buffer.
    for (let r = 0; r < 10; r++) {
      run(big.prog);
      emitted += 100;
      count();
    }
    run(one);
    emitted += 1;
    count();
  });
  assert.ok(reader.lost > 0n, 'samples were dropped');
  assert.ok(delivered >= 10 * 50, `${delivered} delivered`);
  assert.equal(BigInt(delivered) + reader.lost, BigInt(emitted), `${delivered} delivered + ${reader.lost} lost`);
});

test('perf buffer: drain and the iterator copy; stopping early leaves the rest', { skip: canBpf() }, async () => {
  const { events, prog } = setUp(64, 6);
  using _events = events;
  using _prog = prog;
  using reader = new PerfBufferReader(events, { pages: 1 });
  const check = (data: Uint8Array) => sampleNumber(new DataView(data.buffer, data.byteOffset), 0, data.byteLength, 64);
  for (let r = 0; r < 40; r++) {
    run(prog);
    const kept: Uint8Array[] = [];
    if (r % 3 === 0) reader.drain((s) => kept.push(s.data));
    else if (r % 3 === 1) {
      for await (const batch of reader.batches(4)) {
        for (const s of batch) kept.push(s.data);
        if (kept.length === 6) break;
      }
    } else {
      for await (const s of reader) {
        kept.push(s.data);
        if (kept.length === 6) break;
      }
    }
    run(prog);
    assert.deepEqual(kept.map(check), [0, 1, 2, 3, 4, 5], `run ${r}: copies, untouched by the next run`);
    assert.equal(
      reader.consume(() => {}),
      6,
    );
  }
  run(prog);
  const seen: number[] = [];
  assert.equal(
    reader.consume((v, o, l) => seen.push(sampleNumber(v, o, l, 64)), 2),
    2,
  );
  assert.equal(
    reader.consume((v, o, l) => {
      seen.push(sampleNumber(v, o, l, 64));
      return seen.length < 3;
    }),
    1,
  );
  for await (const s of reader) {
    seen.push(check(s.data));
    break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3]);
  // The iterator took the rest of the run as a batch: the next loop starts with what it left.
  for await (const s of reader) {
    seen.push(check(s.data));
    if (seen.length === 6) break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  run(prog);
  let calls = 0;
  assert.equal(
    reader.consume(() => {
      calls++;
      reader.close();
    }),
    1,
  );
  assert.equal(calls, 1);
  assert.equal(
    reader.consume(() => {}),
    0,
  );
});
