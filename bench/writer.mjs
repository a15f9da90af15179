#!/usr/bin/env node
// Writer benchmarks: marshal of vmlinux, dedup of vmlinux alone, merge+dedup of every module of
// a kernel BTF directory on its base; side by side with libbpf (bench/c/bin/dedup, merge).
// Usage: node bench/writer.mjs [VMLINUX] [BTF_DIR] [MERGE_ITERS]   (after npm run build and make -C bench/c)
// The merge runs MERGE_ITERS times (default 3), libbpf's as often, and medians are reported: the
// machine may be busy, and one slow moment should not decide a ratio. Peak RSS is taken after
// the first merge (later ones only add garbage not yet collected), in a process of its own, as
// libbpf's merge runs in its own (set WRITER_BENCH=merge or =vmlinux to run one part).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, loadSpec, loadSplitSpec, marshalSpec, merge } from '../dist/btf/index.js';

const vmlinuxPath = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
const dir = process.argv[3] ?? '.cache/kernels/bookworm/btf';
const mergeIters = Number(process.argv[4] ?? 3);
const bin = (name) => join('bench', 'c', 'bin', name);
/** A file's bytes, without copying them out of the Buffer that read them. */
const readBytes = (path) => {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const time = (iters, fn) => {
  const runs = [];
  let out;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    out = fn();
    runs.push(performance.now() - t0);
  }
  return { ms: median(runs), out };
};
const peer = (name, args) => (existsSync(bin(name)) ? JSON.parse(execFileSync(bin(name), args).toString()) : undefined);
const row = (label, ours, libbpf) =>
  console.log(
    JSON.stringify({ bench: label, ...ours, libbpf, ratio: libbpf?.ms ? +(ours.ms / libbpf.ms).toFixed(2) : undefined }),
  );

const part = process.env.WRITER_BENCH;
if (part === undefined && existsSync(join(dir, 'vmlinux'))) {
  // Run the merge part in a child, after this process's own part (below) prints its rows.
  process.on('exit', () => {
    const argv = [fileURLToPath(import.meta.url), ...process.argv.slice(2)];
    execFileSync(process.execPath, argv, { env: { ...process.env, WRITER_BENCH: 'merge' }, stdio: 'inherit' });
  });
}
const vbytes = part === 'merge' ? new Uint8Array(0) : readBytes(vmlinuxPath);
if (part !== 'merge') {
  const { ms, out } = time(10, () => marshalSpec(loadSpec(vbytes)));
  row('marshal-vmlinux', {
    file: vmlinuxPath,
    ms: +ms.toFixed(1),
    bytes: out.byteLength,
    identical: Buffer.from(out).equals(Buffer.from(vbytes)),
  });
}
if (part !== 'merge') {
  const dedupRuns = [];
  const { ms, out } = time(3, () => {
    const b = new Builder();
    b.addSpec(loadSpec(vbytes));
    const t0 = performance.now();
    const s = b.dedup();
    dedupRuns.push(performance.now() - t0);
    return { ...s, bytes: b.marshal().byteLength };
  });
  const l = peer('dedup', [vmlinuxPath, '-n', '3']);
  row(
    'dedup-vmlinux',
    {
      ms: +median(dedupRuns).toFixed(1),
      totalMs: +ms.toFixed(1),
      typesBefore: out.typesBefore,
      typesAfter: out.typesAfter,
      bytes: out.bytes,
    },
    l && { ms: l.ms, typesAfter: l.types_after, bytes: l.bytes },
  );
}
if (part === 'merge' && existsSync(join(dir, 'vmlinux'))) {
  const t0 = performance.now();
  const base = loadSpec(readBytes(join(dir, 'vmlinux')));
  const modules = readdirSync(dir)
    .filter((f) => f !== 'vmlinux' && !f.startsWith('.'))
    .sort()
    .map((f) => ({ name: f, spec: loadSplitSpec(readBytes(join(dir, f)), base) }));
  const t1 = performance.now();
  const adds = [];
  const dedups = [];
  let s;
  let bytes;
  let peakRssMb;
  for (let i = 0; i < mergeIters; i++) {
    const t2 = performance.now();
    const r = merge(base, modules, { validate: false, noDedup: true });
    const t3 = performance.now();
    s = r.builder.dedup();
    const t4 = performance.now();
    bytes = r.builder.marshal().byteLength;
    adds.push(t3 - t2);
    dedups.push(t4 - t3);
    peakRssMb ??= rssMb();
  }
  const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const peers = existsSync(bin('merge')) ? Array.from({ length: mergeIters }, () => peer('merge', [dir])) : [];
  const l = peers[0];
  const addMs = median(adds);
  const dedupMs = median(dedups);
  const lAdd = l && median(peers.map((p) => p.add_ms));
  const lDedup = l && median(peers.map((p) => p.dedup_ms));
  row(
    'merge-modules',
    {
      dir,
      modules: modules.length,
      iters: mergeIters,
      readMs: +(t1 - t0).toFixed(0),
      addMs: +addMs.toFixed(0),
      dedupMs: +dedupMs.toFixed(0),
      ms: +(addMs + dedupMs).toFixed(0),
      typesBefore: s.typesBefore,
      typesAfter: s.typesAfter,
      bytes,
      peakRssMb,
      heapMb,
    },
    l && {
      ms: +(lAdd + lDedup).toFixed(0),
      addMs: +lAdd.toFixed(0),
      dedupMs: +lDedup.toFixed(0),
      typesAfter: l.types_after,
      bytes: l.bytes,
      peakRssMb: Math.round(l.peak_rss_kb / 1024),
    },
  );
}
