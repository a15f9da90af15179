#!/usr/bin/env node
/**
 * `tsbpf gen min_core_btf` beside `bpftool gen min_core_btf`, whole processes, in one run: the
 * minimal BTF of real-world objects (bcc's libbpf-tools) over a vmlinux (default the host's
 * /sys/kernel/btf/vmlinux), with the installed CLI (dist/cli/bin.cjs). Each command runs through
 * `sh -c 'rm -f OUT; exec ...'` (tsbpf refuses an existing OUTPUT), the same shell for both, timed
 * by bash (CPU to the millisecond from its `times`), the two and `node -e 0` (Node.js's own floor)
 * alternately, `--iters` times each after one unmeasured run each. Prints one JSON line per
 * object with the medians of CPU time (user + system) and wall-clock time, their ratios (tsbpf /
 * bpftool; below 1 is faster) and tsbpf's CPU above Node's floor, and checks that the two outputs
 * are the same bytes. The processes run without NODE_EXTRA_CA_CERTS unless `--keep-env` is given
 * (see `runEnv` in common.mjs).
 *
 *   node bench/gen-min-core-btf.mjs [--vmlinux FILE] [--iters N] [--keep-env] [OBJECT-NAME...]
 *
 * Needs `npm run build`, bpftool and bash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bashTimed, flag, median, option, rest, root, runEnv } from './common.mjs';

const vmlinux = resolve(option('--vmlinux', '/sys/kernel/btf/vmlinux'));
const iters = Number(option('--iters', '5'));
const keepEnv = flag('--keep-env');
const env = runEnv(keepEnv);
const names = rest.length > 0 ? rest : ['opensnoop', 'biolatency', 'tcptracer', 'klockstat'];
const cli = join(root, 'dist/cli/bin.cjs');
if (!existsSync(cli)) {
  console.error('gen-min-core-btf: dist/cli/bin.cjs does not exist (npm run build)');
  process.exit(2);
}
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-bench-gen-'));
const sh = (cmd) => ['sh', '-c', cmd];
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const round = (x) => Math.round(x * 100) / 100;
const timed = (argv) => bashTimed(argv, env);
const ratios = [];
const cpuRatios = [];
try {
  for (const name of names) {
    const object = join(root, 'test/fixtures/bpf/libbpf-tools', `${name}.bpf.o`);
    const tsOut = join(scratch, `${name}.tsbpf.btf`);
    const btOut = join(scratch, `${name}.bpftool.btf`);
    const runs = { ts: [], bt: [], node: [] };
    for (let i = 0; i <= iters; i++) {
      const a = timed(sh(`rm -f ${q(tsOut)}; exec node ${q(cli)} gen min_core_btf ${q(vmlinux)} ${q(tsOut)} ${q(object)}`));
      const b = timed(sh(`rm -f ${q(btOut)}; exec bpftool gen min_core_btf ${q(vmlinux)} ${q(btOut)} ${q(object)}`));
      const c = timed(sh('exec node -e 0'));
      if (i > 0) {
        runs.ts.push(a);
        runs.bt.push(b);
        runs.node.push(c);
      }
    }
    const m = (side, k) => median(runs[side].map((r) => r[k]));
    const same = Buffer.compare(readFileSync(tsOut), readFileSync(btOut)) === 0;
    const ratio = m('ts', 'wall') / m('bt', 'wall');
    const cpuRatio = m('ts', 'cpu') / m('bt', 'cpu');
    ratios.push(ratio);
    cpuRatios.push(cpuRatio);
    console.log(
      JSON.stringify({
        object: name,
        cpu_ms: {
          tsbpf: round(m('ts', 'cpu')),
          bpftool: round(m('bt', 'cpu')),
          ratio: round(cpuRatio),
          node_floor: round(m('node', 'cpu')),
          above_floor: round(m('ts', 'cpu') - m('node', 'cpu')),
        },
        wall_ms: { tsbpf: round(m('ts', 'wall')), bpftool: round(m('bt', 'wall')), ratio: round(ratio) },
        same_bytes: same,
        bytes: readFileSync(tsOut).byteLength,
      }),
    );
  }
  const geo = (v) => round(Math.exp(v.reduce((a, r) => a + Math.log(r), 0) / v.length));
  console.log(
    JSON.stringify({
      vmlinux,
      iters,
      geomean_cpu_ratio: geo(cpuRatios),
      geomean_wall_ratio: geo(ratios),
      load: loadavg().map(round),
      env: keepEnv ? 'kept' : 'without NODE_EXTRA_CA_CERTS',
    }),
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
