#!/usr/bin/env node
/**
 * `tsbpf gen min_core_btf` beside `bpftool gen min_core_btf`, whole processes, in one run: the
 * minimal BTF of real-world objects (bcc's libbpf-tools) over a vmlinux (default the host's
 * /sys/kernel/btf/vmlinux). Each command runs through `sh -c 'rm -f OUT; exec ...'` (tsbpf refuses
 * an existing OUTPUT), the same shell for both. Prints one JSON line per object and the ratios
 * (tsbpf / bpftool; below 1 is faster), and checks that the two outputs are the same bytes.
 *
 *   node bench/gen-min-core-btf.mjs [--vmlinux FILE] [--iters N] [OBJECT-NAME...]
 *
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
const vmlinux = resolve(opt('--vmlinux', '/sys/kernel/btf/vmlinux'));
const iters = Number(opt('--iters', '5'));
const names = args.length > 0 ? args : ['opensnoop', 'biolatency', 'tcptracer', 'klockstat'];
const cli = join(root, 'dist/cli/main.js');
if (!existsSync(cli)) {
  console.error('gen-min-core-btf: dist/cli/main.js does not exist (npm run build)');
  process.exit(2);
}
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-bench-gen-'));
const sh = (cmd) => ['sh', '-c', cmd];
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const round = (x) => Math.round(x * 100) / 100;
const ratios = [];
try {
  for (const name of names) {
    const object = join(root, 'test/fixtures/bpf/libbpf-tools', `${name}.bpf.o`);
    const tsOut = join(scratch, `${name}.tsbpf.btf`);
    const btOut = join(scratch, `${name}.bpftool.btf`);
    const ts = timeCommand(sh(`rm -f ${q(tsOut)}; exec node ${q(cli)} gen min_core_btf ${q(vmlinux)} ${q(tsOut)} ${q(object)}`), {
      iters,
    });
    const bt = timeCommand(sh(`rm -f ${q(btOut)}; exec bpftool gen min_core_btf ${q(vmlinux)} ${q(btOut)} ${q(object)}`), {
      iters,
    });
    const same = Buffer.compare(readFileSync(tsOut), readFileSync(btOut)) === 0;
    const ratio = ts.medianMs / bt.medianMs;
    ratios.push(ratio);
    console.log(
      JSON.stringify({
        object: name,
        tsbpf_ms: round(ts.medianMs),
        bpftool_ms: round(bt.medianMs),
        ratio: round(ratio),
        same_bytes: same,
        bytes: readFileSync(tsOut).byteLength,
      }),
    );
  }
  const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
  console.log(JSON.stringify({ vmlinux, iters, geomean_ratio: round(geo) }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
