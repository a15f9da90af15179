#!/usr/bin/env node
// Writer benchmarks: marshal of vmlinux, dedup of vmlinux alone, merge+dedup of every module of
// a kernel BTF directory on its base; side by side with libbpf (bench/c/bin/dedup, merge).
// Usage: node bench/writer.mjs [VMLINUX] [BTF_DIR]   (after npm run build and make -C bench/c)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builder, loadSpec, loadSplitSpec, marshalSpec, merge } from '../dist/btf/index.js';

const vmlinuxPath = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
const dir = process.argv[3] ?? '.cache/kernels/bookworm/btf';
const bin = (name) => join('bench', 'c', 'bin', name);
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

const vbytes = new Uint8Array(readFileSync(vmlinuxPath));
{
  const { ms, out } = time(10, () => marshalSpec(loadSpec(vbytes)));
  row('marshal-vmlinux', {
    file: vmlinuxPath,
    ms: +ms.toFixed(1),
    bytes: out.byteLength,
    identical: Buffer.from(out).equals(Buffer.from(vbytes)),
  });
}
{
  const { ms, out } = time(3, () => {
    const b = new Builder();
    b.addSpec(loadSpec(vbytes));
    const t0 = performance.now();
    const s = b.dedup();
    return { ...s, dedupMs: performance.now() - t0, bytes: b.marshal().byteLength };
  });
  const l = peer('dedup', [vmlinuxPath, '-n', '3']);
  row(
    'dedup-vmlinux',
    {
      ms: +out.dedupMs.toFixed(1),
      totalMs: +ms.toFixed(1),
      typesBefore: out.typesBefore,
      typesAfter: out.typesAfter,
      bytes: out.bytes,
    },
    l && { ms: l.ms, typesAfter: l.types_after, bytes: l.bytes },
  );
}
if (existsSync(join(dir, 'vmlinux'))) {
  const t0 = performance.now();
  const base = loadSpec(new Uint8Array(readFileSync(join(dir, 'vmlinux'))));
  const modules = readdirSync(dir)
    .filter((f) => f !== 'vmlinux' && !f.startsWith('.'))
    .sort()
    .map((f) => ({ name: f, spec: loadSplitSpec(new Uint8Array(readFileSync(join(dir, f))), base) }));
  const t1 = performance.now();
  const r = merge(base, modules, { validate: false, noDedup: true });
  const t2 = performance.now();
  const s = r.builder.dedup();
  const t3 = performance.now();
  const bytes = r.builder.marshal().byteLength;
  const l = peer('merge', [dir]);
  row(
    'merge-modules',
    {
      dir,
      modules: modules.length,
      readMs: +(t1 - t0).toFixed(0),
      addMs: +(t2 - t1).toFixed(0),
      dedupMs: +(t3 - t2).toFixed(0),
      ms: +(t3 - t1).toFixed(0),
      typesBefore: s.typesBefore,
      typesAfter: s.typesAfter,
      bytes,
      peakRssMb: rssMb(),
      heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    },
    l && {
      ms: +(l.add_ms + l.dedup_ms).toFixed(0),
      addMs: l.add_ms,
      dedupMs: l.dedup_ms,
      typesAfter: l.types_after,
      bytes: l.bytes,
      peakRssMb: Math.round(l.peak_rss_kb / 1024),
    },
  );
}
