#!/usr/bin/env node
/**
 * Finding a function that lives in one kernel module among all modules of a kernel BTF
 * directory (default .cache/kernels/bookworm/btf, ~4000 modules), tsbpf side by side with
 * libbpf (bench/c/find-in-modules: parse vmlinux, parse every module, find).
 *
 *   node bench/find-modules.mjs [--dir DIR] [--name veth_xmit] [--iters N]
 *
 * Cold: a new process per lookup (`node dist/cli/main.js btf find NAME --btf-dir DIR` and the C
 * harness), median wall-clock time. Warm: repeated lookups in one process with one
 * KernelRegistry: the first lookups search raw string sections, later ones use the string index
 * built on the fourth search; reported per lookup in microseconds. Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPeers, runPeer, timeCommand } from './peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (flag, dflt) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const dir = resolve(opt('--dir', join(root, '.cache/kernels/bookworm/btf')));
const name = opt('--name', 'veth_xmit');
const iters = Number(opt('--iters', '5'));

if (!existsSync(join(dir, 'vmlinux'))) {
  console.error(`find-modules: ${dir}/vmlinux does not exist (run scripts/fetch-kernels.sh)`);
  process.exit(2);
}
const cli = join(root, 'dist/cli/main.js');
if (!existsSync(cli)) {
  console.error('find-modules: dist/cli/main.js does not exist (npm run build)');
  process.exit(2);
}

const { KernelRegistry } = await import(join(root, 'dist/kernel/index.js'));

// Cold, tsbpf: a whole CLI process.
const tsCold = timeCommand(['node', cli, 'btf', 'find', name, '--btf-dir', dir], { iters });

// Cold, libbpf.
buildPeers();
const cRuns = [];
let cFigures;
for (let i = 0; i < iters; i++) {
  const t0 = process.hrtime.bigint();
  cFigures = runPeer('find-in-modules', [dir, name]);
  cRuns.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
cRuns.sort((a, b) => a - b);
const cMedian = cRuns[Math.floor(cRuns.length / 2)];

// Warm: one registry, many lookups.
const registry = new KernelRegistry({ dir });
const t0 = process.hrtime.bigint();
const first = registry.find(name, 'func');
const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
const names = [name, 'nf_conntrack_find_get', 'dummy_dev_init', 'btrfs_sync_fs', 'xfs_fs_sync_fs', 'no_such_function'];
const lap = () => {
  const t = process.hrtime.bigint();
  for (const n of names) registry.find(n, 'func');
  return Number(process.hrtime.bigint() - t) / 1e3 / names.length;
};
const scanUs = lap(); // searches 2..7: the 4th builds the string index
const warmRuns = [];
for (let i = 0; i < 20; i++) warmRuns.push(lap());
warmRuns.sort((a, b) => a - b);
const warmUs = warmRuns[Math.floor(warmRuns.length / 2)];

const found = first.map((m) => `${m.object}:[${m.typeId}]`).join(' ');
const result = {
  bench: 'find-modules',
  dir,
  name,
  modules: registry.modules().length,
  found,
  libbpf: { found: `${cFigures.found_in}:[${cFigures.type_id}]`, modulesParsed: cFigures.modules_parsed },
  coldMs: { tsbpf: round(tsCold.medianMs), libbpf: round(cMedian), speedup: round(cMedian / tsCold.medianMs) },
  inProcess: {
    firstLookupMs: round(firstMs),
    decodedModules: registry.decodedModules,
    lookupsBuildingIndexUs: round(scanUs),
    warmLookupUs: round(warmUs),
    libbpfInHarnessMs: cFigures.ms,
  },
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `\n${'cold (new process)'.padEnd(30)} tsbpf ${result.coldMs.tsbpf} ms   libbpf ${result.coldMs.libbpf} ms   (${result.coldMs.speedup}x)\n` +
    `${'warm lookup (one process)'.padEnd(30)} tsbpf ${result.inProcess.warmLookupUs} us`,
);

function round(x) {
  return Math.round(x * 100) / 100;
}
