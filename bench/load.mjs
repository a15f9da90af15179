#!/usr/bin/env node
/**
 * Open + load + attach of real-world objects (bcc's libbpf-tools, test/fixtures/bpf/libbpf-tools)
 * on the running kernel: tsbpf's Collection.load + auto-attach of every program beside libbpf's
 * bpf_object__open_file + bpf_object__load + bpf_program__attach (bench/c/load-attach), each
 * followed by detach and close (untimed).
 *
 *   node bench/load.mjs [--iters N] [TOOL...]
 *
 * For each tool (default: those of test/corpus profiles that run on the host: opensnoop,
 * execsnoop, syscount, runqslower, statsnoop), with the settings its profile gives (programs
 * turned off, map sizes):
 *   first   the first load in the process (tsbpf: with the kernel BTF not yet decoded; libbpf:
 *           its first, which like every libbpf load parses the kernel's vmlinux BTF)
 *   warm    median of the next `--iters` loads in the same process (tsbpf reuses the decoded
 *           kernel BTF; libbpf parses it again each time)
 * and the ratio tsbpf / libbpf of both. Needs root, `npm run build` and libbpf-dev.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPeers, runPeer } from './peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (flag, dflt) => {
  const i = args.indexOf(flag);
  if (i < 0 || args[i + 1] === undefined) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const iters = Number(opt('--iters', '10'));
const tools = args.length > 0 ? args : ['opensnoop', 'execsnoop', 'syscount', 'runqslower', 'statsnoop'];
const toolsDir = join(root, 'test/fixtures/bpf/libbpf-tools');

if (process.getuid?.() !== 0) {
  console.error('load: needs root');
  process.exit(2);
}
const { Collection } = await import(join(root, 'dist/load/collection.js'));
const { autoAttach } = await import(join(root, 'dist/load/auto-attach.js'));
const { loadObject } = await import(join(root, 'dist/obj/index.js'));
// The profiles live with the corpus tests (compiled by `tsc -p tsconfig.test.json` into build/).
const profiles = await import(join(root, 'build/test/corpus/tools.js')).then(
  (m) => m.TOOL_PROFILES,
  () => [],
);

const round = (x) => Math.round(x * 100) / 100;
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One tsbpf open + load + attach, timed, then closed. */
function tsbpfOnce(bytes, profile) {
  const t0 = process.hrtime.bigint();
  const spec = loadObject(bytes, `${profile.tool}.bpf.o`);
  for (const m of spec.maps) {
    if (profile.maxEntries?.[m.name] !== undefined) m.maxEntries = profile.maxEntries[m.name];
    if (profile.valueSizes?.[m.name] !== undefined) m.valueSize = profile.valueSizes[m.name];
  }
  const programs = {};
  for (const p of profile.disable ?? []) programs[p] = { autoload: false };
  const coll = Collection.load({ spec, bytes }, { programs });
  let attached = 0;
  for (const [name, prog] of coll.programs) {
    const link = autoAttach(
      prog,
      spec.programs.find((p) => p.name === name),
    );
    if (link) {
      coll.adopt(link);
      attached++;
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const programsLoaded = coll.programs.size;
  coll.close();
  return { ms, programs: programsLoaded, attached };
}

buildPeers();
const rows = [];
for (const tool of tools) {
  const profile = profiles.find((p) => p.name === tool) ?? { tool, name: tool };
  const path = join(toolsDir, `${profile.tool}.bpf.o`);
  const bytes = new Uint8Array(readFileSync(path));
  const first = tsbpfOnce(bytes, profile);
  const warm = [];
  for (let i = 0; i < iters; i++) warm.push(tsbpfOnce(bytes, profile).ms);
  const cArgs = [path, '-n', String(iters + 1)];
  for (const p of profile.disable ?? []) cArgs.push('--disable', p);
  for (const [m, n] of Object.entries(profile.maxEntries ?? {})) cArgs.push('--max-entries', `${m}=${n}`);
  for (const [m, n] of Object.entries(profile.valueSizes ?? {})) cArgs.push('--value-size', `${m}=${n}`);
  const c = runPeer('load-attach', cArgs);
  rows.push({
    tool: profile.name,
    programs: first.programs,
    attached: first.attached,
    libbpfPrograms: c.programs,
    firstMs: { tsbpf: round(first.ms), libbpf: round(c.first_ms), ratio: round(first.ms / c.first_ms) },
    warmMs: { tsbpf: round(median(warm)), libbpf: round(c.ms), ratio: round(median(warm) / c.ms) },
    libbpfPartsMs: { open: c.open_ms, load: c.load_ms, attach: c.attach_ms },
  });
}
console.log(JSON.stringify({ bench: 'load', iters, objects: rows }, null, 2));
console.log('\ntool            progs   first: tsbpf   libbpf   ratio    warm: tsbpf   libbpf   ratio');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(15)} ${String(r.programs).padStart(5)}   ${String(r.firstMs.tsbpf).padStart(9)} ${String(r.firstMs.libbpf).padStart(8)} ${String(r.firstMs.ratio).padStart(6)}x   ${String(r.warmMs.tsbpf).padStart(9)} ${String(r.warmMs.libbpf).padStart(8)} ${String(r.warmMs.ratio).padStart(6)}x`,
  );
}
