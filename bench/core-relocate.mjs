#!/usr/bin/env node
/**
 * CO-RE relocation of real-world objects (bcc's libbpf-tools, test/fixtures/bpf/libbpf-tools)
 * against a kernel's vmlinux and every module of it (a directory laid out like /sys/kernel/btf,
 * default .cache/kernels/bookworm/btf), tsbpf beside bpftool's `gen min_core_btf`, which computes
 * the same relocations (libbpf's CO-RE code, without loading) for vmlinux and writes the types
 * they use.
 *
 *   node bench/core-relocate.mjs [--dir DIR] [--iters N] [OBJECT-NAME...]
 *
 * Cold: a new process per object: `tsbpf core explain OBJ --btf-dir DIR --json` against
 * `bpftool gen min_core_btf DIR/vmlinux OUT OBJ`, median wall-clock time of `--iters` runs. Note
 * that bpftool relocates against vmlinux alone, while tsbpf searches modules too (libbpf's rule:
 * only for types vmlinux lacks), so tsbpf does at least the same work.
 * Warm: in one process with one KernelRegistry on DIR: every object relocated again (a new
 * CoreRelocator per object, as a new load would make), median of 20 rounds, per object.
 * A last row, outside the totals, relocates test/fixtures/bpf/core/core-kinds.bpf.o, whose
 * `struct veth_rq` only a module has: there tsbpf reads every module's strings (bpftool, on
 * vmlinux alone, finds no candidate and does not look further).
 * Needs `npm run build` and bpftool.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeCommand } from './peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (flag, dflt) => {
  const i = args.indexOf(flag);
  if (i < 0 || args[i + 1] === undefined) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const dir = resolve(opt('--dir', join(root, '.cache/kernels/bookworm/btf')));
const iters = Number(opt('--iters', '5'));
const names = args.length > 0 ? args : ['opensnoop', 'tcptracer', 'bindsnoop', 'klockstat', 'filelife', 'biolatency'];
const toolsDir = join(root, 'test/fixtures/bpf/libbpf-tools');

if (!existsSync(join(dir, 'vmlinux'))) {
  console.error(`core-relocate: ${dir}/vmlinux does not exist (run scripts/fetch-kernels.sh)`);
  process.exit(2);
}
const cli = join(root, 'dist/cli/main.js');
if (!existsSync(cli)) {
  console.error('core-relocate: dist/cli/main.js does not exist (npm run build)');
  process.exit(2);
}

const { KernelRegistry } = await import(join(root, 'dist/kernel/index.js'));
const { readCoreObject, relocateObject } = await import(join(root, 'dist/core/object-relocations.js'));
const { CoreRelocator } = await import(join(root, 'dist/core/relocator.js'));

const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-bench-core-'));
const round = (x) => Math.round(x * 100) / 100;
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const registry = new KernelRegistry({ dir });
const source = registry.candidateSource();
const objects = names.map((n) => ({ name: n, path: join(toolsDir, `${n}.bpf.o`) }));
const moduleObject = { name: 'core-kinds', path: join(root, 'test/fixtures/bpf/core/core-kinds.bpf.o'), modules: true };
if (existsSync(moduleObject.path)) objects.push(moduleObject);
const rows = [];
for (const o of objects) {
  const bytes = new Uint8Array(readFileSync(o.path));
  // In process: the first relocation of this object (the registry decodes what it needs), then warm.
  let relocations = 0;
  const relocate = () => {
    const object = readCoreObject(bytes);
    let n = 0;
    relocateObject(object, new CoreRelocator(object.btf, source), () => n++);
    relocations = n;
  };
  let t = process.hrtime.bigint();
  relocate();
  const firstMs = Number(process.hrtime.bigint() - t) / 1e6;
  const warm = [];
  for (let i = 0; i < 20; i++) {
    t = process.hrtime.bigint();
    relocate();
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const tsCold = timeCommand(['node', cli, 'core', 'explain', o.path, '--btf-dir', dir, '--json'], { iters });
  const out = join(scratch, `${o.name}.btf`);
  const bpftool = timeCommand(['bpftool', 'gen', 'min_core_btf', join(dir, 'vmlinux'), out, o.path], { iters });
  rows.push({
    object: o.name,
    moduleOnlyTypes: o.modules === true,
    relocations,
    coldMs: { tsbpf: round(tsCold.medianMs), bpftool: round(bpftool.medianMs), ratio: round(tsCold.medianMs / bpftool.medianMs) },
    inProcessMs: { first: round(firstMs), warm: round(median(warm)) },
  });
}
rmSync(scratch, { recursive: true, force: true });

const total = (k) => rows.filter((r) => !r.moduleOnlyTypes).reduce((s, r) => s + r.coldMs[k], 0);
const result = {
  bench: 'core-relocate',
  dir,
  modules: registry.modules().length,
  decodedModules: registry.decodedModules,
  objects: rows,
  coldTotalMs: {
    tsbpf: round(total('tsbpf')),
    bpftool: round(total('bpftool')),
    ratio: round(total('tsbpf') / total('bpftool')),
  },
};
console.log(JSON.stringify(result, null, 2));
console.log('\nobject          relos   cold tsbpf   bpftool   ratio   warm (in process)');
for (const r of rows) {
  console.log(
    `${(r.moduleOnlyTypes ? `${r.object}*` : r.object).padEnd(15)} ${String(r.relocations).padStart(5)}   ${String(r.coldMs.tsbpf).padStart(8)} ms ${String(r.coldMs.bpftool).padStart(7)} ms ${String(r.coldMs.ratio).padStart(6)}x   ${r.inProcessMs.warm} ms`,
  );
}
console.log(
  `total (libbpf-tools)    ${String(result.coldTotalMs.tsbpf).padStart(8)} ms ${String(result.coldTotalMs.bpftool).padStart(7)} ms ${String(result.coldTotalMs.ratio).padStart(6)}x`,
);
if (rows.some((r) => r.moduleOnlyTypes))
  console.log('* a type only a module has: tsbpf searches every module, bpftool vmlinux only');
