#!/usr/bin/env node
/**
 * Open + load + attach of real-world objects (bcc's libbpf-tools, test/fixtures/bpf/libbpf-tools)
 * on the running kernel: tsbpf's loadObject + Collection.load + auto-attach of every program
 * beside libbpf's bpf_object__open_file + bpf_object__load + bpf_program__attach
 * (bench/c/load-attach), each followed by detach and close (untimed).
 *
 *   node bench/load.mjs [--iters N] [--rounds R] [TOOL...]
 *
 * For each tool (default: those of test/corpus profiles that run on the host: opensnoop,
 * execsnoop, syscount, runqslower, statsnoop, runqlat), with the settings its profile gives
 * (programs turned off, map sizes), each side runs in a new process of its own (tsbpf: this
 * script with `--child`), `--rounds` times (default 3), alternating with the other side:
 *   first   the first load in the process, median over the rounds (tsbpf: with nothing of the
 *           kernel's BTF read yet; libbpf: its first, which like every libbpf load parses the
 *           kernel's vmlinux BTF)
 *   warm    median over the rounds of each process's median of the next `--iters` loads
 *           (tsbpf reuses the kernel BTF it decoded; libbpf parses it again each time)
 * and the ratio tsbpf / libbpf of both, in wall-clock time and in CPU time of the whole process
 * (every thread: V8's compiler and GC threads count on tsbpf's side). Both sides' timed part
 * starts from reading the object file. Needs root, `npm run build`, `tsc -p tsconfig.test.json` (the profiles) and libbpf-dev.
 */
import { spawnSync } from 'node:child_process';
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
const rounds = Number(opt('--rounds', '3'));
const child = opt('--child', undefined);
const tools = args.length > 0 ? args : ['opensnoop', 'execsnoop', 'syscount', 'runqslower', 'statsnoop', 'runqlat'];
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
function tsbpfOnce(path, profile) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const bytes = new Uint8Array(readFileSync(path));
  const spec = loadObject(bytes, `${profile.tool}.bpf.o`);
  for (const m of spec.maps) {
    if (profile.maxEntries?.[m.name] !== undefined) m.maxEntries = profile.maxEntries[m.name];
    if (profile.valueSizes?.[m.name] !== undefined) m.valueSize = profile.valueSizes[m.name];
  }
  const programs = {};
  for (const p of profile.disable ?? []) programs[p] = { autoload: false };
  const coll = Collection.load({ spec }, { programs });
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
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const programsLoaded = coll.programs.size;
  coll.close();
  return { ms, cpuMs, programs: programsLoaded, attached };
}

const profileOf = (tool) => profiles.find((p) => p.name === tool) ?? { tool, name: tool };
const pathOf = (profile) => join(toolsDir, `${profile.tool}.bpf.o`);

if (child !== undefined) {
  // One process's loads of one tool: the first, then `iters` more.
  const profile = profileOf(child);
  const first = tsbpfOnce(pathOf(profile), profile);
  const warm = [];
  for (let i = 0; i < iters; i++) warm.push(tsbpfOnce(pathOf(profile), profile));
  console.log(
    JSON.stringify({
      first_ms: first.ms,
      ms: median(warm.map((w) => w.ms)),
      first_cpu_ms: first.cpuMs,
      cpu_ms: median(warm.map((w) => w.cpuMs)),
      programs: first.programs,
      attached: first.attached,
    }),
  );
  process.exit(0);
}

/** A new process loading `tool` once, then `iters` times more. */
function tsbpfProcess(tool) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', tool, '--iters', String(iters)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`tsbpf ${tool}: exit status ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

buildPeers();
const rows = [];
for (const tool of tools) {
  const profile = profileOf(tool);
  const path = pathOf(profile);
  const cArgs = [path, '-n', String(iters + 1)];
  for (const p of profile.disable ?? []) cArgs.push('--disable', p);
  for (const [m, n] of Object.entries(profile.maxEntries ?? {})) cArgs.push('--max-entries', `${m}=${n}`);
  for (const [m, n] of Object.entries(profile.valueSizes ?? {})) cArgs.push('--value-size', `${m}=${n}`);
  const ts = [];
  const c = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so that neither always meets a warmer page cache.
    if (r % 2 === 0) {
      ts.push(tsbpfProcess(tool));
      c.push(runPeer('load-attach', cArgs));
    } else {
      c.push(runPeer('load-attach', cArgs));
      ts.push(tsbpfProcess(tool));
    }
  }
  const m = (list, key) => median(list.map((x) => x[key]));
  const pair = (key) => {
    const t = m(ts, key);
    const l = m(c, key);
    return { tsbpf: round(t), libbpf: round(l), ratio: round(t / l) };
  };
  rows.push({
    tool: profile.name,
    programs: ts[0].programs,
    attached: ts[0].attached,
    libbpfPrograms: c[0].programs,
    firstMs: pair('first_ms'),
    firstCpuMs: pair('first_cpu_ms'),
    warmMs: pair('ms'),
    warmCpuMs: pair('cpu_ms'),
    libbpfPartsMs: { open: m(c, 'open_ms'), load: m(c, 'load_ms'), attach: m(c, 'attach_ms') },
  });
}
console.log(JSON.stringify({ bench: 'load', iters, rounds, objects: rows }, null, 2));
const load = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(`\nmedians, ms (tsbpf / libbpf = ratio); load average at the end ${load}`);
console.log('tool            progs   first wall                first CPU                 warm wall                 warm CPU');
const cell = (p) => `${p.tsbpf} / ${p.libbpf} = ${p.ratio}x`.padEnd(26);
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(15)} ${String(r.programs).padStart(5)}   ${cell(r.firstMs)}${cell(r.firstCpuMs)}${cell(r.warmMs)}${cell(r.warmCpuMs)}`,
  );
}
