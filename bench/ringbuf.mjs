/**
 * Ring buffer and perf buffer consumption: records per second drained by tsbpf's
 * RingBufferReader and PerfBufferReader beside libbpf's ring_buffer__consume/__poll and
 * perf_buffer__consume/__poll (bench/c/ringbuf.c), on the same records made the same way: an XDP
 * program (the same raw instructions on both sides) emitting 64-byte records with
 * bpf_ringbuf_output into a 16 MiB ring, or with bpf_perf_event_output into the current CPU's
 * buffer (4096 pages per CPU), run with BPF_PROG_TEST_RUN (untimed) to fill it; then one timed
 * drain of everything, through a callback that counts the records and reads their first u64 (as
 * libbpf's callbacks do). Each figure is the median of `iters` drains; tsbpf first runs `warmup`
 * untimed rounds of every mode so that its figures are of optimized code (the C harness needs
 * none).
 *
 * tsbpf's modes: `consume` (a callback over the mapping, nothing copied: what libbpf's callback
 * gets), `wait + consume` (the poll(2) on a worker thread first, as libbpf's __poll does its
 * epoll_wait), `drain` (each record copied), `takeBatch` (ring only: one copy per batch and a
 * view per record), `for await` (the async iterator, per record) and `for await batches()` (the
 * async iterator of batches).
 * Needs root and a built dist/ (npm run build).
 *
 *   node bench/ringbuf.mjs [records-per-run] [runs] [iters] [warmup] [ring|perf|both]
 */

import { BpfMap } from '../dist/load/map.js';
import { PerfBufferReader } from '../dist/load/perf-buffer.js';
import { possibleCpus } from '../dist/load/possible-cpus.js';
import { Program } from '../dist/load/program.js';
import { RingBufferReader } from '../dist/load/ring-buffer.js';
import { MapType } from '../dist/sys/map-type.js';
import { ProgType } from '../dist/sys/prog-type.js';
import { buildPeers, runPeer } from './peers.mjs';

const perRun = Number(process.argv[2] ?? 32);
const runs = Number(process.argv[3] ?? 6000);
const iters = Number(process.argv[4] ?? 11);
const warmup = Number(process.argv[5] ?? 5);
const which = process.argv[6] ?? 'both';
const RECORD = 64;
const RING_SIZE = 16 << 20;

const i = (code, dst = 0, src = 0, off = 0, imm = 0) => ({ code, dst, src, off, imm });
/** The harness's program, instruction for instruction. */
function program(mapFd, perf) {
  const out = [i(0xbf, 6, 1)];
  for (let k = 0; k < perRun; k++) {
    for (let off = 8; off < RECORD; off += 8) out.push(i(0x7a, 10, 0, -RECORD + off, 0));
    out.push(i(0x7a, 10, 0, -RECORD, k));
    if (perf) {
      out.push(i(0xbf, 1, 6), i(0x18, 2, 1, 0, mapFd), i(0), i(0x18, 3, 0, 0, -1), i(0));
      out.push(i(0xbf, 4, 10), i(0x07, 4, 0, 0, -RECORD), i(0xb7, 5, 0, 0, RECORD), i(0x85, 0, 0, 0, 25));
    } else {
      out.push(i(0x18, 1, 1, 0, mapFd), i(0), i(0xbf, 2, 10), i(0x07, 2, 0, 0, -RECORD));
      out.push(i(0xb7, 3, 0, 0, RECORD), i(0xb7, 4, 0, 0, 0), i(0x85, 0, 0, 0, 130));
    }
  }
  out.push(i(0xb7, 0, 0, 0, 2), i(0x95));
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const packet = new Uint8Array(64);
const expected = perRun * runs;

// The callbacks add into a Float64Array slot, as libbpf's add into a static u64: a module-level
// `let` holding a double would allocate a heap number per record, which measures the callback.
const acc = new Float64Array(1);
/** The callback of `consume`: libbpf's, in JavaScript (first u64 + length). */
function onRecord(view, offset, length) {
  acc[0] += view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32 + length;
}

async function measure(prog, modes) {
  const times = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let it = 0; it < warmup + iters; it++) {
    for (const [mode, run] of Object.entries(modes)) {
      prog.testRun({ data: packet, repeat: runs });
      const t0 = performance.now();
      const seen = await run();
      if (it >= warmup) times[mode].push(performance.now() - t0);
      if (seen !== expected) throw new Error(`${mode}: ${seen} records, expected ${expected}`);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([m, t]) => [m, median(t)]));
}

const rate = (ms) => ((expected / ms) * 1e3) / 1e6;
const row = (name, ms) => `${name.padEnd(36)} ${ms.toFixed(2).padStart(8)} ms  ${rate(ms).toFixed(2).padStart(8)} M records/s`;

function report(kind, peer, ours) {
  console.log(row(`libbpf ${kind}__consume`, peer.ms));
  console.log(row(`libbpf ${kind}__poll`, peer.poll_ms));
  for (const [mode, ms] of Object.entries(ours)) console.log(row(`tsbpf ${mode}`, ms));
  const ratios = Object.entries(ours).map(
    ([mode, ms]) => `${mode} ${((mode === 'wait + consume' ? peer.poll_ms : peer.ms) / ms).toFixed(3)}x`,
  );
  console.log(`ratio (tsbpf / libbpf throughput; wait + consume against __poll): ${ratios.join(', ')}`);
}

buildPeers();
console.log(`${expected} records of ${RECORD} bytes per drain, median of ${iters} (tsbpf after ${warmup} untimed rounds)`);

if (which !== 'perf') {
  const ring = BpfMap.create({ name: 'bench_ring', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: RING_SIZE });
  const prog = Program.load({ name: 'ringbuf_bench', type: ProgType.XDP, instructions: program(ring.fd.raw, false) });
  const reader = new RingBufferReader(ring);
  const ours = await measure(prog, {
    consume: () => reader.consume(onRecord),
    'wait + consume': async () => {
      await reader.wait(1000);
      return reader.consume(onRecord);
    },
    drain: () =>
      reader.drain((r) => {
        acc[0] += r[0] + r.byteLength;
      }),
    takeBatch: () => {
      let n = 0;
      for (;;) {
        const batch = reader.takeBatch();
        if (batch.length === 0) return n;
        for (const r of batch) acc[0] += r[0] + r.byteLength;
        n += batch.length;
      }
    },
    'for await': async () => {
      let n = 0;
      for await (const r of reader) {
        acc[0] += r[0] + r.byteLength;
        if (++n === expected) break;
      }
      return n;
    },
    'for await batches()': async () => {
      let n = 0;
      for await (const batch of reader.batches()) {
        for (const r of batch) acc[0] += r[0] + r.byteLength;
        n += batch.length;
        if (n === expected) break;
      }
      return n;
    },
  });
  reader.close();
  prog.close();
  ring.close();
  console.log('\nring buffer (BPF_MAP_TYPE_RINGBUF)');
  report('ring_buffer', runPeer('ringbuf', [String(perRun), String(runs), String(iters), 'ring']), ours);
}

if (which !== 'ring') {
  const events = BpfMap.create({
    name: 'bench_perf',
    type: MapType.PERF_EVENT_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: possibleCpus(),
  });
  const prog = Program.load({ name: 'perfbuf_bench', type: ProgType.XDP, instructions: program(events.fd.raw, true) });
  const reader = new PerfBufferReader(events, { pages: RING_SIZE / 4096 });
  const ours = await measure(prog, {
    consume: () => reader.consume(onRecord),
    'wait + consume': async () => {
      await reader.wait(1000);
      return reader.consume(onRecord);
    },
    drain: () =>
      reader.drain((s) => {
        acc[0] += s.data[0] + s.data.byteLength;
      }),
    'for await': async () => {
      let n = 0;
      for await (const s of reader) {
        acc[0] += s.data[0] + s.data.byteLength;
        if (++n === expected) break;
      }
      return n;
    },
    'for await batches()': async () => {
      let n = 0;
      for await (const batch of reader.batches()) {
        for (const s of batch) acc[0] += s.data[0] + s.data.byteLength;
        n += batch.length;
        if (n === expected) break;
      }
      return n;
    },
  });
  if (reader.lost !== 0n) throw new Error(`perf buffer: ${reader.lost} samples lost`);
  reader.close();
  prog.close();
  events.close();
  const peer = runPeer('ringbuf', [String(perRun), String(runs), String(iters), 'perf']);
  if (peer.lost !== 0) throw new Error(`libbpf perf buffer: ${peer.lost} samples lost`);
  console.log('\nperf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY)');
  report('perf_buffer', peer, ours);
}
console.log(`(checksum ${acc[0]})`);
