/**
 * Ring buffer consumption: records per second drained by tsbpf's RingBufferReader beside
 * libbpf's ring_buffer__consume and ring_buffer__poll (bench/c/ringbuf.c), on the same records
 * made the same way: an XDP program (the same raw instructions on both sides) emitting 64-byte
 * records with bpf_ringbuf_output, run with BPF_PROG_TEST_RUN (untimed) to fill a 16 MiB ring;
 * then one timed drain of everything, through a callback that counts the records and reads their
 * first u64 (as libbpf's callback does). Each side's figure is the median of `iters` drains; tsbpf
 * first runs `warmup` untimed rounds of every mode so that the figures are of optimized code (the
 * C harness needs none).
 *
 * tsbpf's modes: `consume` (a callback over the mapping, nothing copied: what libbpf's callback
 * gets), `wait + consume` (the poll(2) on a worker thread first, as ring_buffer__poll does its
 * epoll_wait), `drain` (a copy per record), `takeBatch` (one copy per batch and a view per
 * record) and `for await` (the async iterator over batches).
 * Needs root and a built dist/ (npm run build).
 *
 *   node bench/ringbuf.mjs [records-per-run] [runs] [iters] [warmup]
 */

import { BpfMap } from '../dist/load/map.js';
import { Program } from '../dist/load/program.js';
import { RingBufferReader } from '../dist/load/ring-buffer.js';
import { MapType } from '../dist/sys/map-type.js';
import { ProgType } from '../dist/sys/prog-type.js';
import { buildPeers, runPeer } from './peers.mjs';

const perRun = Number(process.argv[2] ?? 32);
const runs = Number(process.argv[3] ?? 6000);
const iters = Number(process.argv[4] ?? 11);
const warmup = Number(process.argv[5] ?? 5);
const RECORD = 64;

const i = (code, dst = 0, src = 0, off = 0, imm = 0) => ({ code, dst, src, off, imm });
function program(ringFd) {
  const out = [];
  for (let k = 0; k < perRun; k++) {
    for (let off = 8; off < RECORD; off += 8) out.push(i(0x7a, 10, 0, -RECORD + off, 0));
    out.push(i(0x7a, 10, 0, -RECORD, k), i(0x18, 1, 1, 0, ringFd), i(0), i(0xbf, 2, 10), i(0x07, 2, 0, 0, -RECORD));
    out.push(i(0xb7, 3, 0, 0, RECORD), i(0xb7, 4, 0, 0, 0), i(0x85, 0, 0, 0, 130));
  }
  out.push(i(0xb7, 0, 0, 0, 2), i(0x95));
  return out;
}

buildPeers();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ring = BpfMap.create({ name: 'bench_ring', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 16 << 20 });
const prog = Program.load({ name: 'ringbuf_bench', type: ProgType.XDP, instructions: program(ring.fd.raw) });
const reader = new RingBufferReader(ring);
const packet = new Uint8Array(64);
const expected = perRun * runs;

// The callbacks add into a Float64Array slot, as libbpf's adds into a static u64: a module-level
// `let` holding a double would allocate a heap number per record, which measures the callback.
const acc = new Float64Array(1);
/** The callback of `consume`: libbpf's, in JavaScript (first u64 + length). */
function onRecord(view, offset, length) {
  acc[0] += view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32 + length;
}
const modes = {
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
};
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
const peer = runPeer('ringbuf', [String(perRun), String(runs), String(iters)]);
const rate = (ms) => ((expected / ms) * 1e3) / 1e6;
const row = (name, ms) => `${name.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms  ${rate(ms).toFixed(2).padStart(8)} M records/s`;
console.log(`${expected} records of ${RECORD} bytes per drain, median of ${iters} (tsbpf after ${warmup} untimed rounds)`);
console.log(row('libbpf ring_buffer__consume', peer.ms));
console.log(row('libbpf ring_buffer__poll', peer.poll_ms));
for (const mode of Object.keys(modes)) console.log(row(`tsbpf ${mode}`, median(times[mode])));
console.log(
  `ratio (tsbpf / libbpf throughput): consume ${(peer.ms / median(times.consume)).toFixed(3)}x,` +
    ` wait + consume / poll ${(peer.poll_ms / median(times['wait + consume'])).toFixed(3)}x,` +
    ` drain ${(peer.ms / median(times.drain)).toFixed(3)}x, takeBatch ${(peer.ms / median(times.takeBatch)).toFixed(3)}x,` +
    ` for await ${(peer.ms / median(times['for await'])).toFixed(3)}x`,
);
console.log(`(checksum ${acc[0]})`);
reader.close();
prog.close();
ring.close();
