import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, KINDS_OBJECT, ROOT } from '../fixtures.js';

/** The executable package.json installs, and the unbundled entry it must behave exactly like. */
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { tsbpf: string } };
const BIN = join(ROOT, pkg.bin.tsbpf);
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Loader {
  BUNDLE: string;
  compileBundle(): { source: string; cacheFile: string | undefined; cached: boolean };
}

function run(entry: string, args: string[]) {
  const r = spawnSync(process.execPath, [entry, ...args], { maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString() };
}

describe('the installed tsbpf executable (bundle + code cache)', () => {
  test('package.json installs the loader, beside its bundle', () => {
    assert.equal(pkg.bin.tsbpf, 'dist/cli/bin.cjs');
    const loader = createRequire(import.meta.url)(BIN) as Loader;
    assert.ok(existsSync(loader.BUNDLE), `${loader.BUNDLE} (npm run build)`);
  });

  test("the build's code cache is there and this Node accepts it", () => {
    const { source, cacheFile, cached } = (createRequire(import.meta.url)(BIN) as Loader).compileBundle();
    assert.ok(cacheFile !== undefined, 'the bundle names no build id');
    assert.ok(existsSync(cacheFile), `${cacheFile} was not written`);
    // The loader compiles the bundle as a function body: a dynamic import could not run there.
    assert.doesNotMatch(source, /\bimport\(/);
    assert.equal(cached, true, 'V8 rejected the code cache (flags or Node differ from the build)');
  });

  const relocs = join(FIXTURES, 'bpf', 'core-reloc', 'test_core_reloc_arrays.bpf.o');
  const target = join(FIXTURES, 'bpf', 'core-reloc', 'btf__core_reloc_arrays.bpf.o');
  const cases: [string, string[]][] = [
    ['raw dump', ['btf', 'dump', 'file', KINDS_OBJECT]],
    ['JSON dump', ['-j', 'btf', 'dump', 'file', KINDS_OBJECT]],
    ['C dump', ['btf', 'dump', 'file', KINDS_OBJECT, 'format', 'c']],
    ['core explain', ['core', 'explain', relocs, '--btf', target]],
    ['version', ['--version']],
    ['load help', ['load', '--help']],
    ['missing file', ['btf', 'dump', 'file', '/no/such']],
    ['usage error', ['btf', 'dumpx']],
  ];
  for (const [what, args] of cases) {
    test(`${what}: the same output and exit status as dist/cli/main.js`, () => {
      const ours = run(BIN, args);
      const plain = run(MAIN, args);
      assert.deepEqual(ours, plain);
      assert.ok(ours.stdout.length > 0 || ours.stderr.length > 0);
    });
  }
});
