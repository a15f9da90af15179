/**
 * BTF core benchmarks, tsbpf beside libbpf and bpftool in one run, reported as ratios
 * (tsbpf / peer: below 1 means tsbpf is faster).
 *
 *   node bench/btf-core.mjs [--vmlinux /sys/kernel/btf/vmlinux] [--modules .cache/kernels/bookworm/btf]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPeers, runPeer, timeCommand, writeNamesFile } from './peers.mjs';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const vmlinux = opt('--vmlinux', '/sys/kernel/btf/vmlinux');
const root = new URL('..', import.meta.url).pathname;
const modulesDir = opt('--modules', join(root, '.cache/kernels/bookworm/btf'));
const cli = join(root, 'dist', 'cli', 'main.js');
const core = new URL('./ts/core.mjs', import.meta.url).pathname;

function tsbpf(args) {
  const r = spawnSync(process.execPath, [core, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`core.mjs ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
const f = (x) => (typeof x === 'number' ? x.toFixed(1) : String(x));
const rows = [];
const row = (what, ours, theirs, unit = 'ms') =>
  rows.push({ what, tsbpf: `${f(ours)} ${unit}`, peer: `${f(theirs)} ${unit}`, ratio: (ours / theirs).toFixed(2) });

buildPeers();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bench-'));

const p = runPeer('parse', [vmlinux, '20']);
const o = tsbpf(['parse', vmlinux, '20']);
row('open vmlinux (median of 20, warm)', o.ms, p.ms);
row('open vmlinux (first, cold)', o.first_ms, p.first_ms);

// libbpf 1.1's btf__parse checks the structure only; tsbpf's figure adds the kernel verifier's
// rules (format level), and the loadable level's on top.
const ov = tsbpf(['validate', vmlinux, '10']);
row('open + validate vmlinux (median of 10)', ov.ms, p.ms);
row('  + loadable level (resolve replay, load rules)', ov.ms + ov.loadable_ms, p.ms);

const namesFile = join(dir, 'names');
writeNamesFile(vmlinux, namesFile, 1000);
const pf = runPeer('find-names', [vmlinux, namesFile]);
const of = tsbpf(['find-names', vmlinux, namesFile]);
if (of.found !== pf.found) throw new Error(`find-names: tsbpf found ${of.found}, libbpf ${pf.found}`);
row('open + 1,000 name lookups', of.ms, pf.ms);

const dumpOurs = timeCommand([process.execPath, cli, 'btf', 'dump', 'file', vmlinux, 'format', 'raw'], { iters: 10 });
const dumpPeer = timeCommand(['bpftool', 'btf', 'dump', 'file', vmlinux, 'format', 'raw'], { iters: 10 });
row('dump raw, whole process (median of 10)', dumpOurs.medianMs, dumpPeer.medianMs);

if (existsSync(join(modulesDir, 'vmlinux'))) {
  const ps = runPeer('parse-split-all', [modulesDir]);
  const os = tsbpf(['parse-split-all', modulesDir]);
  row(`open ${os.modules} module BTFs on their base`, os.ms, ps.ms);
  row('  peak RSS', os.peak_rss_kb / 1024, ps.peak_rss_kb / 1024, 'MB');
} else {
  console.error(`skipping the all-modules figure: ${modulesDir}/vmlinux is absent (bash scripts/fetch-kernels.sh bookworm)`);
}

console.table(rows);
