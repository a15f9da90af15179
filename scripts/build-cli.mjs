#!/usr/bin/env node
/**
 * Builds the installed `tsbpf` executable's bundle and V8 code cache from `dist/` (run after
 * `tsc`): `dist/cli/tsbpf.cjs`, then `dist/cli/tsbpf.<id>.v8cache` from running it over a few
 * commands on the repository's fixtures. Why and how they are used: src/cli/bin.cts.
 *
 *   node scripts/build-cli.mjs
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliDir = join(root, 'dist/cli');
const bundle = join(cliDir, 'tsbpf.cjs');
const bin = join(cliDir, 'bin.cjs');

// A cache is only ever written beside the bundle it was made from: old ones go first.
for (const f of readdirSync(cliDir)) if (/^tsbpf\..*v8cache$/.test(f) || f === 'tsbpf.cjs') unlinkSync(join(cliDir, f));

const result = buildSync({
  entryPoints: [join(cliDir, 'main.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // koffi is a native addon, loaded at run time from node_modules.
  external: ['koffi'],
  // A CommonJS file has no import.meta: the two modules that read it (the package version, koffi's
  // require) get the bundle's own URL, which sits in dist/cli as main.js does.
  define: { 'import.meta.url': '__tsbpfBundleUrl' },
  banner: { js: 'const __tsbpfBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Whitespace and syntax only, names kept (stack traces still name functions): a third less
  // to read and scan at every start, 1 to 4 ms of CPU. dist/cli/main.js is the readable entry.
  minifyWhitespace: true,
  minifySyntax: true,
  write: false,
  logLevel: 'warning',
});
// The loader compiles the text as a function body: no `#!` line, and no `import()` left, which
// a vm.Script cannot run.
const text = result.outputFiles[0].text.replace(/^#!.*\n/, '');
if (/\bimport\(/.test(text)) throw new Error('build-cli: the bundle still holds an import() call');
const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
writeFileSync(bundle, `// tsbpf bundle ${id}\n${text}`);
chmodSync(bin, 0o755);

// The code cache: each run starts from the cache the previous one wrote and adds what it compiled.
const fixtures = join(root, 'test/fixtures/bpf');
const kinds = join(fixtures, 'kinds.bpf.o');
const relocs = join(fixtures, 'core-reloc/test_core_reloc_arrays.bpf.o');
const target = join(fixtures, 'core-reloc/btf__core_reloc_arrays.bpf.o');
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-build-'));
const workload = [
  ['btf', 'dump', 'file', kinds, 'format', 'raw'],
  ['-j', 'btf', 'dump', 'file', kinds],
  ['btf', 'dump', 'file', kinds, 'format', 'c'],
  ['core', 'explain', relocs, '--btf', target],
  ['gen', 'min_core_btf', target, join(scratch, 'min.btf'), relocs],
  ['load', '--help'],
  ['trace', '--help'],
  ['--help'],
];
try {
  for (const args of workload) {
    const input = args.find((a) => a.startsWith(fixtures));
    if (input !== undefined && !existsSync(input)) {
      console.error(`build-cli: ${input} is absent; the code cache leaves out 'tsbpf ${args.join(' ')}'`);
      continue;
    }
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, TSBPF_WRITE_CODE_CACHE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`build-cli: 'tsbpf ${args.join(' ')}' failed (${r.status}): ${r.stderr}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
