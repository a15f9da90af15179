#!/usr/bin/env node
/**
 * Every row of the speed table (dumps, start-up, find, merge, walk, reopen, all modules' memory)
 * in one run: tsbpf beside its peer, as ratios (tsbpf / peer: below 1 means tsbpf is faster or
 * smaller).
 *
 *   node bench/issue14.mjs [--vmlinux /sys/kernel/btf/vmlinux] [--modules .cache/kernels/bookworm/btf]
 *                          [--iters 5] [--find veth_xmit] [--merge-count 20] [--keep-env]
 *
 * Whole-process rows run tsbpf's installed executable (dist/cli/bin.cjs) and the peer command
 * alternately, `--iters` times each, and report medians of wall-clock and of CPU (user + system,
 * every thread of the process, from bash's `times`): on a shared machine CPU time is the steadier of the two, and the load average at the
 * start and end of the run is printed with the table. Library rows run in a child process of their
 * own (bench/ts/core.mjs) beside the libbpf harnesses (bench/c). Needs `npm run build`, bpftool,
 * a C compiler with libbpf-dev, bash, and for the module rows a BTF directory
 * (`bash scripts/fetch-kernels.sh bookworm`).
 *
 * Node reads NODE_EXTRA_CA_CERTS as it starts, before any script runs, and parses every
 * certificate of the file it names: set to a system's whole CA list (as on the machine these
 * figures come from) that is about 35 ms of CPU, more than Node's own start without it, and it
 * is the environment's cost, not tsbpf's (bpftool reads no such thing). The whole-process rows
 * run without it unless `--keep-env` is given; the output says which.
 *
 * The walk row has no peer on this machine: it is set against cilium/ebpf's published
 * IterateVmlinux figure (132 ms, measured on another CPU), so only its order of magnitude holds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashTimed, flag, median, option, root } from './common.mjs';
import { buildPeers, runPeer } from './peers.mjs';

const vmlinux = option('--vmlinux', '/sys/kernel/btf/vmlinux');
const modulesDir = option('--modules', join(root, '.cache/kernels/bookworm/btf'));
const iters = Number(option('--iters', '5'));
const findName = option('--find', 'veth_xmit');
const mergeCount = Number(option('--merge-count', '20'));
const keepEnv = flag('--keep-env');
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
const childEnv = { ...process.env };
if (!keepEnv) delete childEnv.NODE_EXTRA_CA_CERTS;
// The executable `npm install` puts on the PATH: the bundle run with its code cache (src/cli/bin.cts).
const cli = join(root, 'dist/cli/bin.cjs');
const core = join(root, 'bench/ts/core.mjs');
const CILIUM_ITERATE_VMLINUX_MS = 132;

if (!existsSync(cli)) {
  console.error('issue14: dist/cli/bin.cjs does not exist (npm run build)');
  process.exit(2);
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
buildPeers();
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-issue14-'));

/**
 * One run of `cmd`, stdout to `out` (a path, or /dev/null): wall ms, CPU ms (user + system of the
 * process and its threads and children, to the millisecond, from bash's `times`).
 */
function timed(cmd, out) {
  return bashTimed(cmd, childEnv, out);
}

/** tsbpf's command and the peer's, alternately, `iters` times each after one unmeasured run each. */
function sideBySide(ours, theirs, out) {
  const a = [];
  const b = [];
  for (let i = 0; i <= iters; i++) {
    const x = timed(ours, out);
    const y = timed(theirs, out);
    if (i > 0) {
      a.push(x);
      b.push(y);
    }
  }
  const m = (runs, k) => median(runs.map((r) => r[k]));
  return { ours: { wall: m(a, 'wall'), cpu: m(a, 'cpu') }, theirs: { wall: m(b, 'wall'), cpu: m(b, 'cpu') } };
}

const rows = [];
const fmt = (ms, unit) =>
  unit === 'MB' ? `${ms.toFixed(0)} MB` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
function row(work, peer, ours, theirs, unit = 'ms') {
  rows.push({ work, tsbpf: fmt(ours, unit), peer: `${peer} ${fmt(theirs, unit)}`, ratio: `${(ours / theirs).toFixed(2)}x` });
}
function rowsOf(work, peer, r) {
  row(`${work}: wall`, peer, r.ours.wall, r.theirs.wall);
  row(`${work}: CPU`, peer, r.ours.cpu, r.theirs.cpu);
}

const node = process.execPath;
const file = join(scratch, 'out');
// The dumps, each run as `tsbpf ARGS` and `bpftool ARGS` (the same words): [work, ARGS, output].
// To /dev/null bpftool's many small writes cost nothing, so that form is the harsher; to a file
// they count.
const DUMPS = [
  ['dump format c > file', ['btf', 'dump', 'file', vmlinux, 'format', 'c'], file],
  ['dump format raw > /dev/null', ['btf', 'dump', 'file', vmlinux, 'format', 'raw'], '/dev/null'],
  ['dump format raw > file', ['btf', 'dump', 'file', vmlinux, 'format', 'raw'], file],
  ['-j dump > file', ['-j', 'btf', 'dump', 'file', vmlinux], file],
];
for (const [work, args, out] of DUMPS) rowsOf(work, 'bpftool', sideBySide([node, cli, ...args], ['bpftool', ...args], out));

// Start-up: commands that do little, set against Node's own start (`node -e 0`); what is above
// it is tsbpf loading and compiling its code before the first byte.
const kinds = join(root, 'test/fixtures/bpf/kinds.bpf.o');
for (const args of [
  ['--version'],
  ['btf', 'dump', 'file', kinds],
  ['core', 'explain', '--help'],
  ['load', '--help'],
  ['gen', 'min_core_btf', '--help'],
]) {
  const what = args.map((a) => (a === kinds ? 'kinds.bpf.o' : a)).join(' ');
  rowsOf(`start-up: tsbpf ${what}`, 'node -e 0', sideBySide([node, cli, ...args], [node, '-e', '0'], '/dev/null'));
}

const haveModules = existsSync(join(modulesDir, 'vmlinux'));
if (haveModules) {
  const peerFind = join(root, 'bench/c/bin/find-in-modules');
  rowsOf(
    `find ${findName} among the modules, new process`,
    'libbpf parse-all',
    sideBySide([node, cli, 'btf', 'find', findName, '--btf-dir', modulesDir], [peerFind, modulesDir, findName], '/dev/null'),
  );
}

/** Runs bench/ts/core.mjs in a child and returns its JSON line. */
function tsbpf(args) {
  const r = spawnSync(node, [core, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`core.mjs ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

if (haveModules) {
  // The first `mergeCount` modules by name, beside their vmlinux, in a directory of their own.
  const dir = join(scratch, 'merge');
  spawnSync('mkdir', [dir]);
  symlinkSync(join(modulesDir, 'vmlinux'), join(dir, 'vmlinux'));
  const names = readdirSync(modulesDir)
    .filter((f) => f !== 'vmlinux' && !f.startsWith('.'))
    .sort()
    .slice(0, mergeCount);
  for (const n of names) symlinkSync(join(modulesDir, n), join(dir, n));
  const ours = [];
  const theirs = [];
  for (let i = 0; i < iters; i++) {
    ours.push(tsbpf(['merge', dir]).ms);
    theirs.push(runPeer('merge', [dir]).ms);
  }
  row(
    `merge() of ${names.length} modules with validation (parse + merge + dedup)`,
    'libbpf add + dedup',
    median(ours),
    median(theirs),
  );
}

const walk = tsbpf(['walk', vmlinux, String(Math.max(3, iters))]);
row(
  'walk every type of vmlinux (allTypes()), first in process',
  'cilium/ebpf (published)',
  walk.first_ms,
  CILIUM_ITERATE_VMLINUX_MS,
);
row('walk every type of vmlinux (allTypes()), later', 'cilium/ebpf (published)', walk.ms, CILIUM_ITERATE_VMLINUX_MS);

const po = tsbpf(['parse', vmlinux, '20']);
const pp = runPeer('parse', [vmlinux, '20']);
row(`open vmlinux again in the process (warm, median of 20; ${po.faults} page faults)`, 'libbpf btf__parse', po.ms, pp.ms);
row(
  `  the same once V8 recycles the blobs' memory (opens 21-40; ${po.later_faults} faults)`,
  'libbpf btf__parse',
  po.later_ms,
  pp.ms,
);
row('open vmlinux first in the process (cold)', 'libbpf btf__parse', po.first_ms, pp.first_ms);

if (haveModules) {
  const os = tsbpf(['parse-split-all', modulesDir]);
  const ps = runPeer('parse-split-all', [modulesDir]);
  row(`open every module (${os.modules}) on vmlinux: time`, 'libbpf', os.ms, ps.ms);
  row(`open every module (${os.modules}) on vmlinux: peak RSS`, 'libbpf', os.peak_rss_kb / 1024, ps.peak_rss_kb / 1024, 'MB');
} else {
  console.error(`the module rows need ${modulesDir}/vmlinux (bash scripts/fetch-kernels.sh bookworm)`);
}

rmSync(scratch, { recursive: true, force: true });
console.log(
  `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}); load average ${loadBefore} at the start, ${load()} at the end`,
);
console.log(`whole-process rows: median of ${iters} alternating runs each; ratio = tsbpf / peer`);
if (extraCaCerts !== undefined) {
  console.log(
    keepEnv
      ? `NODE_EXTRA_CA_CERTS=${extraCaCerts} kept: every Node start above parses it`
      : `NODE_EXTRA_CA_CERTS=${extraCaCerts} left out of the whole-process runs (--keep-env keeps it)`,
  );
}
console.table(rows);
