/**
 * Bad input to `gen skeleton` and `gen min_core_btf`: corrupted BPF objects and corrupted
 * target BTF give typed errors only, never a crash; what is generated from a corrupted object
 * still parses as TypeScript; and a command that fails leaves no output behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { btfSectionOf } from '../../src/btf/load.js';
import { TsbpfError } from '../../src/errors.js';
import { generateSkeleton } from '../../src/gen/skeleton.js';
import { cli } from '../cli/run.js';
import { coreFixtureObjects } from '../core/fixtures.js';
import { FIXTURES, KINDS_OBJECT, kernelFixtures, tempDir } from '../fixtures.js';
import { below, flipBits, truncated, writeEdgeWord } from '../mutations.js';
import { seededRandom } from '../random.js';

/** One random corruption: bit flips, an edge-value word, a byte that breaks names, truncation. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const at = (n: number) => below(rand, n);
  const pick = rand();
  if (pick < 0.35) {
    flipBits(b, rand);
  } else if (pick < 0.7) {
    writeEdgeWord(b, rand, [0, 1, 8, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, at(0x10000), at(b.length)], true);
  } else if (pick < 0.85) {
    // Characters that would break out of a generated identifier or string literal.
    const breakers = [0x27, 0x22, 0x5c, 0x60, 0x0a, 0x24, 0x7b, 0x7d, 0x2a, 0x2f, 0x20];
    for (let i = 0, n = 1 + at(3); i < n; i++) b[at(b.length)] = breakers[at(breakers.length)]!;
  } else {
    return truncated(b, rand);
  }
  return b;
}

const OBJECTS = [
  join(FIXTURES, 'bpf', 'load', 'counter.bpf.o'),
  join(FIXTURES, 'bpf', 'load', 'datasecs.bpf.o'),
  KINDS_OBJECT,
  ...coreFixtureObjects().filter((p) => p.endsWith('core-kinds.bpf.o')),
];

let dirs = 0;
function freshDir(): string {
  const dir = join(tempDir(), `gen-fuzz-${process.pid}-${dirs++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('gen fuzz', () => {
  for (const path of OBJECTS) {
    const name = path.replace(/^.*\//, '');
    test(`gen skeleton ${name}: 80 corruptions give typed errors, or TypeScript that parses`, () => {
      const original = new Uint8Array(readFileSync(path));
      const rand = seededRandom(9100 + name.length);
      let rejected = 0;
      for (let i = 0; i < 80; i++) {
        const input = mutate(original, rand);
        let text: string;
        try {
          text = generateSkeleton(input, { file: name });
        } catch (err) {
          if (!(err instanceof TsbpfError)) assert.fail(`case ${i}: ${String((err as Error)?.stack ?? err)}`);
          rejected++;
          continue;
        }
        const out = ts.transpileModule(text, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
        const errors = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        assert.deepEqual(errors, [], `case ${i}: the skeleton does not parse`);
      }
      assert.ok(rejected > 0, 'some corruptions are caught');
    });
  }

  test('gen skeleton of a broken object prints nothing and names the file', async () => {
    const dir = freshDir();
    const original = readFileSync(OBJECTS[0]!);
    for (const [file, bytes] of [
      ['empty.o', new Uint8Array(0)],
      ['text.o', new TextEncoder().encode('not an object\n')],
      ['truncated.o', original.subarray(0, 200)],
      ['headless.o', original.subarray(64)],
    ] as const) {
      const p = join(dir, file);
      writeFileSync(p, bytes);
      const r = await cli('gen', 'skeleton', p);
      assert.equal(r.code, 1, file);
      assert.equal(r.stdout, '', file);
      assert.match(r.stderr, new RegExp(`^tsbpf: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), file);
    }
  });

  /**
   * min_core_btf with a corrupted OBJECT or a corrupted INPUT: exit 0 with a complete output, or
   * exit 1 with one line on standard error and no output at all.
   */
  async function minCoreCase(input: string, object: string, where: string): Promise<boolean> {
    const out = join(freshDir(), 'min.btf');
    const r = await cli('gen', 'min_core_btf', input, out, object);
    if (r.code === 0) {
      assert.ok(existsSync(out), `${where}: output written`);
      return false;
    }
    assert.equal(r.code, 1, `${where}: ${r.stderr}`);
    assert.match(r.stderr, /^tsbpf: [^\n]+$/, where);
    assert.equal(existsSync(out), false, `${where}: nothing left behind`);
    return true;
  }

  // 23 relocations that its own BTF resolves without ambiguity.
  const coreObject = join(FIXTURES, 'bpf', 'obj', 'core.bpf.o');
  const coreKinds = coreFixtureObjects().find((p) => p.endsWith('core-kinds.bpf.o'))!;

  test('gen min_core_btf: 100 corrupted objects and 100 corrupted target BTFs', async () => {
    const dir = freshDir();
    // The object's own BTF as the target: every local type is its own candidate, so relocations
    // reach types and the output is non-trivial; small enough for many cases.
    const objectBytes = new Uint8Array(readFileSync(coreObject));
    const target = btfSectionOf(objectBytes).slice();
    const targetPath = join(dir, 'target.btf');
    writeFileSync(targetPath, target);
    assert.equal(await minCoreCase(targetPath, coreObject, 'uncorrupted'), false, 'the uncorrupted pair works');
    const rand = seededRandom(9200);
    let rejected = 0;
    for (let i = 0; i < 100; i++) {
      const obj = join(dir, `obj-${i}.o`);
      writeFileSync(obj, mutate(objectBytes, rand));
      if (await minCoreCase(targetPath, obj, `object case ${i}`)) rejected++;
      const btf = join(dir, `target-${i}.btf`);
      writeFileSync(btf, mutate(target, rand));
      if (await minCoreCase(btf, coreObject, `target case ${i}`)) rejected++;
    }
    assert.ok(rejected > 20, `only ${rejected} of 200 corruptions were caught`);
  });

  const k = kernelFixtures().find((x) => x.release === 'sid') ?? kernelFixtures()[0];
  test('gen min_core_btf --strict over a directory with a corrupted module: a typed error and no directory', {
    skip: k ? false : 'no kernel fixtures',
  }, async () => {
    const rand = seededRandom(9300);
    const [modName, modBytes] = [...k!.modules][0]!;
    let rejected = 0;
    for (let i = 0; i < 8; i++) {
      const dir = join(freshDir(), 'btf');
      mkdirSync(dir);
      writeFileSync(join(dir, 'vmlinux'), k!.vmlinux);
      for (const [name, bytes] of k!.modules) writeFileSync(join(dir, name), name === modName ? mutate(modBytes, rand) : bytes);
      const out = join(freshDir(), 'min');
      // --candidates all: every module is searched, the corrupted one too; --strict: a broken
      // module is an error rather than skipped with a warning.
      const r = await cli('--strict', 'gen', 'min_core_btf', dir, out, coreKinds, '--candidates', 'all');
      if (r.code === 0) {
        assert.ok(existsSync(join(out, 'vmlinux')), `case ${i}: output written`);
        continue;
      }
      rejected++;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^tsbpf: [^\n]+$/);
      assert.equal(existsSync(out), false, `case ${i}: nothing left behind`);
    }
    assert.ok(rejected > 0);
  });
});
