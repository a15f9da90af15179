/**
 * Ring buffer consumption: records per second drained by tsbpf's RingBufferReader (synchronous
 * drain, and the async iterator) beside libbpf's ring_buffer__consume (bench/c/ringbuf.c), on
 * the same program: an XDP program emitting 64-byte records, run with BPF_PROG_TEST_RUN to fill
 * a 16 MiB ring, then drained (timed). Needs root and a built dist/ (npm run build).
 *
 *   node bench/ringbuf.mjs [records-per-run] [runs] [iters]
 */

import { BpfMap } from '../dist/load/map.js';
import { Program } from '../dist/load/program.js';
import { RingBufferReader } from '../dist/load/ring-buffer.js';
import { MapType } from '../dist/sys/map-type.js';
import { ProgType } from '../dist/sys/prog-type.js';
import { runPeer } from './peers.mjs';

const perRun = Number(process.argv[2] ?? 32);
const runs = Number(process.argv[3] ?? 6000);
const iters = Number(process.argv[4] ?? 5);
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ring = BpfMap.create({ name: 'bench_ring', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 16 << 20 });
const prog = Program.load({ name: 'ringbuf_bench', type: ProgType.XDP, instructions: program(ring.fd.raw) });
const reader = new RingBufferReader(ring);
const packet = new Uint8Array(64);
const expected = perRun * runs;
let sum = 0;

const sync = [];
const views = [];
const asyncTimes = [];
for (let it = 0; it < iters; it++) {
  prog.testRun({ data: packet, repeat: runs });
  let seen = 0;
  const t0 = performance.now();
  reader.drain((r) => {
    seen++;
    sum += r[0];
  });
  sync.push(performance.now() - t0);
  if (seen !== expected) throw new Error(`drained ${seen} records, expected ${expected}`);

  prog.testRun({ data: packet, repeat: runs });
  seen = 0;
  const tv = performance.now();
  reader.drain(
    (r) => {
      seen++;
      sum += r[0];
    },
    Number.POSITIVE_INFINITY,
    true,
  );
  views.push(performance.now() - tv);
  if (seen !== expected) throw new Error(`drained ${seen} records (views), expected ${expected}`);

  prog.testRun({ data: packet, repeat: runs });
  seen = 0;
  const t1 = performance.now();
  for await (const r of reader) {
    sum += r[0];
    if (++seen === expected) break;
  }
  asyncTimes.push(performance.now() - t1);
}
const ours = { drainMs: median(sync), viewMs: median(views), asyncMs: median(asyncTimes) };
const peer = runPeer('ringbuf', [String(perRun), String(runs), String(iters)]);
const row = (name, ms) =>
  `${name.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms  ${(((expected / ms) * 1e3) / 1e6).toFixed(2).padStart(8)} M records/s`;
console.log(`${expected} records of ${RECORD} bytes per drain, median of ${iters}`);
console.log(row('libbpf ring_buffer__consume', peer.ms));
console.log(row('tsbpf drain (one copy per record)', ours.drainMs));
console.log(row('tsbpf drain (views, no copy)', ours.viewMs));
console.log(row('tsbpf for await (RingBufferReader)', ours.asyncMs));
console.log(
  `ratio (tsbpf / libbpf throughput): drain ${(peer.ms / ours.drainMs).toFixed(3)}x, views ${(peer.ms / ours.viewMs).toFixed(3)}x, async iterator ${(peer.ms / ours.asyncMs).toFixed(3)}x`,
);
console.log(`(checksum ${sum})`);
reader.close();
prog.close();
ring.close();
