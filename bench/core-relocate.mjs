#!/usr/bin/env node
/**
 * CO-RE relocation of real-world objects (bcc's libbpf-tools, test/fixtures/bpf/libbpf-tools)
 * against a kernel's vmlinux and every module of it (a directory laid out like /sys/kernel/btf,
 * default .cache/kernels/bookworm/btf), tsbpf beside bpftool's `gen min_core_btf`, which computes
 * the same relocations (libbpf's CO-RE code, without loading) for vmlinux and writes the types
 * they use.
 *
 *   node bench/core-relocate.mjs [--dir DIR] [--iters N] [--keep-env] [OBJECT-NAME...]
 *
 * Cold: a new process per object: `tsbpf core explain OBJ --btf-dir DIR --json` (the installed
 * CLI, dist/cli/bin.cjs) against `bpftool gen min_core_btf DIR/vmlinux OUT OBJ`, run alternately
 * `--iters` times each after one unmeasured run each: medians of CPU time (user + system, to the
 * millisecond from bash's `times`) and wall-clock time. `node -e 0` is timed alongside, Node.js's
 * own floor, and tsbpf's CPU above it is shown. The processes run without NODE_EXTRA_CA_CERTS
 * unless `--keep-env` is given (see `runEnv` in common.mjs). Note
 * that bpftool relocates against vmlinux alone, while tsbpf searches modules too (libbpf's rule:
 * only for types vmlinux lacks), so tsbpf does at least the same work.
 * Warm: in one process with one KernelRegistry on DIR: every object read and relocated again (a
 * new CoreRelocator per object, as a new load would make), median of 20 rounds, per object; and
 * the relocation alone (the object read once, each round relocating a fresh copy of it).
 * A last row, outside the totals, relocates test/fixtures/bpf/core/core-kinds.bpf.o, whose
 * `struct veth_rq` only a module has: there tsbpf reads every module's strings (bpftool, on
 * vmlinux alone, finds no candidate and does not look further).
 * Needs `npm run build`, bpftool and bash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bashTimed, flag, median, option, rest, root, runEnv } from './common.mjs';

const dir = resolve(option('--dir', join(root, '.cache/kernels/bookworm/btf')));
const iters = Number(option('--iters', '5'));
const keepEnv = flag('--keep-env');
const env = runEnv(keepEnv);
const names = rest.length > 0 ? rest : ['opensnoop', 'tcptracer', 'bindsnoop', 'klockstat', 'filelife', 'biolatency'];
const toolsDir = join(root, 'test/fixtures/bpf/libbpf-tools');

if (!existsSync(join(dir, 'vmlinux'))) {
  console.error(`core-relocate: ${dir}/vmlinux does not exist (run scripts/fetch-kernels.sh)`);
  process.exit(2);
}
const cli = join(root, 'dist/cli/bin.cjs');
if (!existsSync(cli)) {
  console.error('core-relocate: dist/cli/bin.cjs does not exist (npm run build)');
  process.exit(2);
}

const { KernelRegistry } = await import(join(root, 'dist/kernel/index.js'));
const { readCoreObject, relocateObject } = await import(join(root, 'dist/core/object-relocations.js'));
const { CoreRelocator } = await import(join(root, 'dist/core/relocator.js'));

const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-bench-core-'));
const round = (x) => Math.round(x * 100) / 100;

const timed = (argv) => bashTimed(argv, env);

/** Commands run alternately, `iters` times each after one unmeasured round: medians. */
function alternate(commands) {
  const runs = commands.map(() => []);
  for (let i = 0; i <= iters; i++) {
    commands.forEach((argv, k) => {
      const t = timed(argv);
      if (i > 0) runs[k].push(t);
    });
  }
  return runs.map((r) => {
    const cpu = r.map((x) => x.cpu);
    return {
      cpuMs: round(median(cpu)),
      cpuRange: [round(Math.min(...cpu)), round(Math.max(...cpu))],
      wallMs: round(median(r.map((x) => x.wall))),
    };
  });
}

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
  const warmRelocation = [];
  for (let i = 0; i < 20; i++) {
    t = process.hrtime.bigint();
    relocate();
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
    // Read outside the clock: relocating patches the object's copies of its instructions.
    const object = readCoreObject(bytes);
    t = process.hrtime.bigint();
    relocateObject(object, new CoreRelocator(object.btf, source));
    warmRelocation.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const out = join(scratch, `${o.name}.btf`);
  const [ts, bt, floor] = alternate([
    ['node', cli, 'core', 'explain', o.path, '--btf-dir', dir, '--json'],
    ['bpftool', 'gen', 'min_core_btf', join(dir, 'vmlinux'), out, o.path],
    ['node', '-e', '0'],
  ]);
  rows.push({
    object: o.name,
    moduleOnlyTypes: o.modules === true,
    relocations,
    cpuMs: {
      tsbpf: ts.cpuMs,
      bpftool: bt.cpuMs,
      ratio: round(ts.cpuMs / bt.cpuMs),
      nodeFloor: floor.cpuMs,
      aboveFloor: round(ts.cpuMs - floor.cpuMs),
      ranges: { tsbpf: ts.cpuRange, bpftool: bt.cpuRange, nodeFloor: floor.cpuRange },
    },
    wallMs: { tsbpf: ts.wallMs, bpftool: bt.wallMs, ratio: round(ts.wallMs / bt.wallMs), nodeFloor: floor.wallMs },
    inProcessMs: { first: round(firstMs), warm: round(median(warm)), warmRelocation: round(median(warmRelocation)) },
  });
}
rmSync(scratch, { recursive: true, force: true });

const total = (what, k) => rows.filter((r) => !r.moduleOnlyTypes).reduce((sum, r) => sum + r[what][k], 0);
const totals = (what) => ({
  tsbpf: round(total(what, 'tsbpf')),
  bpftool: round(total(what, 'bpftool')),
  ratio: round(total(what, 'tsbpf') / total(what, 'bpftool')),
});
const result = {
  bench: 'core-relocate',
  dir,
  load: loadavg().map((x) => round(x)),
  env: keepEnv ? 'kept' : 'without NODE_EXTRA_CA_CERTS',
  modules: registry.modules().length,
  decodedModules: registry.decodedModules,
  objects: rows,
  coldTotal: { cpuMs: totals('cpuMs'), wallMs: totals('wallMs') },
};
console.log(JSON.stringify(result, null, 2));
const col = (x, w) => String(x).padStart(w);
console.log(
  '\nobject          relos | cold CPU: tsbpf bpftool  ratio | node -e 0  above | cold wall: tsbpf bpftool  ratio | warm: read+relocate, relocate',
);
for (const r of rows) {
  console.log(
    `${(r.moduleOnlyTypes ? `${r.object}*` : r.object).padEnd(15)} ${col(r.relocations, 5)} | ${col(r.cpuMs.tsbpf, 10)} ${col(r.cpuMs.bpftool, 7)} ${col(r.cpuMs.ratio, 5)}x | ${col(r.cpuMs.nodeFloor, 9)} ${col(r.cpuMs.aboveFloor, 6)} | ${col(r.wallMs.tsbpf, 11)} ${col(r.wallMs.bpftool, 7)} ${col(r.wallMs.ratio, 5)}x | ${r.inProcessMs.warm} ms, ${r.inProcessMs.warmRelocation} ms`,
  );
}
const t = result.coldTotal;
console.log(
  `total (libbpf-tools)  | ${col(t.cpuMs.tsbpf, 10)} ${col(t.cpuMs.bpftool, 7)} ${col(t.cpuMs.ratio, 5)}x |                  | ${col(t.wallMs.tsbpf, 11)} ${col(t.wallMs.bpftool, 7)} ${col(t.wallMs.ratio, 5)}x |`,
);
console.log(`load average ${result.load.join(' ')} (at the end); times in ms, medians of ${iters}; ${result.env}`);
if (rows.some((r) => r.moduleOnlyTypes))
  console.log('* a type only a module has: tsbpf searches every module, bpftool vmlinux only');
