#!/usr/bin/env node
/**
 * The C header (`format c`) beside bpftool, whole processes, alternating in one run:
 *
 *   node bench/c-header.mjs [--vmlinux /sys/kernel/btf/vmlinux] [--modules .cache/kernels/bookworm/btf]
 *                           [--count 20] [--iters 7] [--keep-env]
 *
 * Rows:
 * - vmlinux alone: `tsbpf btf dump file VMLINUX format c` against the same bpftool command, with
 *   the output to a file and to /dev/null;
 * - vmlinux plus `--count` modules (the first by name in the BTF directory), as one header:
 *   `tsbpf btf dump file VMLINUX file MOD... format c` and `tsbpf --btf-dir DIR btf dump kernel
 *   module NAME... format c`. bpftool 7.1 cannot write one header of several BTF files, so two
 *   of its runs stand beside it: what it can do in one process, the header of that directory's
 *   vmlinux alone (`bpftool btf dump file VMLINUX format c`), and what a user must run for the
 *   same types, one header per module (`bpftool btf dump -B VMLINUX file MOD format c`, each
 *   repeating vmlinux's types), timed as the sum of the `--count` processes.
 *
 * Each command runs `--iters` times after one unmeasured run, tsbpf and bpftool alternately,
 * under GNU time (tsbpf as installed: dist/cli/bin.cjs): medians and ranges of wall-clock and of
 * CPU (user + system, all threads). The machine may be shared, so CPU time is the steadier
 * figure; the load average is printed at the start and the end. Ratio = tsbpf / bpftool (below 1:
 * tsbpf is faster). Needs `npm run build`, bpftool and GNU time; the module rows need a BTF
 * directory (`bash scripts/fetch-kernels.sh bookworm`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, median, option, root, runEnv } from './common.mjs';

const vmlinux = option('--vmlinux', '/sys/kernel/btf/vmlinux');
const modulesDir = option('--modules', join(root, '.cache/kernels/bookworm/btf'));
const count = Number(option('--count', '20'));
const iters = Number(option('--iters', '7'));
// NODE_EXTRA_CA_CERTS, when set, has Node parse a certificate file before any script: left out
// unless --keep-env, as in the other whole-process benchmarks (see runEnv in common.mjs).
const env = runEnv(flag('--keep-env'));
const cli = join(root, 'dist/cli/bin.cjs');
const node = process.execPath;

if (!existsSync(cli)) {
  console.error('c-header: dist/cli/bin.cjs does not exist (npm run build)');
  process.exit(2);
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-c-header-'));
// Removed however the run ends: a failed command throws out of the middle of it.
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const outFile = join(scratch, 'out.h');

/** One run of each of `cmds` in turn under GNU time, stdout to `out`: summed wall and CPU in ms. */
function timed(cmds, out) {
  let wall = 0;
  let cpu = 0;
  for (const cmd of cmds) {
    const report = join(scratch, 'time');
    const fd = openSync(out, 'w');
    let r;
    try {
      r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', report, ...cmd], { stdio: ['ignore', fd, 'pipe'], env });
    } finally {
      closeSync(fd);
    }
    if (r.status !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.status}: ${String(r.stderr).trim()}`);
    const [w, user, sys] = readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    wall += w * 1000;
    cpu += (user + sys) * 1000;
  }
  return { wall, cpu };
}

const stats = (runs, k) => {
  const xs = runs.map((r) => r[k]);
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
};

/**
 * Runs every command list of `sides` in turn, `iters` times after one unmeasured round; returns
 * each side's wall and CPU statistics.
 */
function alternate(sides, out) {
  const runs = sides.map(() => []);
  for (let i = 0; i <= iters; i++) {
    sides.forEach((cmds, k) => {
      const r = timed(cmds, out);
      if (i > 0) runs[k].push(r);
    });
  }
  return runs.map((r) => ({ wall: stats(r, 'wall'), cpu: stats(r, 'cpu') }));
}

const rows = [];
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const range = (s) => `${ms(s.median)} (${ms(s.min)}-${ms(s.max)})`;
function row(work, peer, ours, theirs) {
  for (const k of ['cpu', 'wall']) {
    rows.push({
      work: `${work}: ${k === 'cpu' ? 'CPU' : 'wall'}`,
      tsbpf: range(ours[k]),
      peer: `${peer} ${range(theirs[k])}`,
      ratio: `${(ours[k].median / theirs[k].median).toFixed(2)}x`,
    });
  }
}

const oursVmlinux = [[node, cli, 'btf', 'dump', 'file', vmlinux, 'format', 'c']];
const bpftoolVmlinux = [['bpftool', 'btf', 'dump', 'file', vmlinux, 'format', 'c']];
for (const out of [outFile, '/dev/null']) {
  const [ours, theirs] = alternate([oursVmlinux, bpftoolVmlinux], out);
  row(`vmlinux > ${out === outFile ? 'file' : '/dev/null'}`, 'bpftool', ours, theirs);
}

const base = join(modulesDir, 'vmlinux');
if (existsSync(base)) {
  const names = readdirSync(modulesDir)
    .filter((f) => f !== 'vmlinux' && !f.startsWith('.'))
    .sort()
    .slice(0, count);
  const files = names.flatMap((n) => ['file', join(modulesDir, n)]);
  const byFile = [[node, cli, 'btf', 'dump', 'file', base, ...files, 'format', 'c']];
  const byName = [[node, cli, '--btf-dir', modulesDir, 'btf', 'dump', 'kernel', 'module', ...names, 'format', 'c']];
  const bpftoolBase = [['bpftool', 'btf', 'dump', 'file', base, 'format', 'c']];
  const bpftoolEach = names.map((n) => ['bpftool', 'btf', 'dump', '-B', base, 'file', join(modulesDir, n), 'format', 'c']);
  const [file, kernel, vmlinuxOnly, each] = alternate([byFile, byName, bpftoolBase, bpftoolEach], outFile);
  const what = `vmlinux + ${names.length} modules > file`;
  row(`${what}, file VMLINUX file MOD...`, 'bpftool vmlinux alone', file, vmlinuxOnly);
  row(`${what}, file VMLINUX file MOD...`, `bpftool -B, ${names.length} runs`, file, each);
  row(`${what}, kernel module NAME...`, 'bpftool vmlinux alone', kernel, vmlinuxOnly);
  console.log(`modules: ${names.join(' ')} (from ${modulesDir})`);
} else {
  console.error(`the module rows need ${base} (bash scripts/fetch-kernels.sh bookworm)`);
}

console.log(
  `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}); load average ${loadBefore} at the start, ${load()} at the end`,
);
console.log(`medians (ranges) of ${iters} alternating runs each; ratio = tsbpf / bpftool`);
console.table(rows);
