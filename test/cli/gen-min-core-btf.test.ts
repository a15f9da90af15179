/**
 * `tsbpf gen min_core_btf` from the command line: a vmlinux file gives a file, a directory laid
 * out like /sys/kernel/btf gives a directory that `tsbpf core explain --btf-dir` decides on as
 * on the full BTF, and bad input leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSpecFromBytes } from '../../src/btf/load.js';
import { coreFixtureObjects } from '../core/fixtures.js';
import { CORE_RELOC, libbpfTools } from '../corpus/corpus.js';
import { kernelFixtures, tempDir } from '../fixtures.js';
import { cli } from './run.js';

const k = kernelFixtures().find((x) => x.release === 'sid') ?? kernelFixtures()[0]!;
let n = 0;
function fresh(name: string): string {
  const dir = join(tempDir(), `gen-cli-${process.pid}-${n++}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** A directory laid out like /sys/kernel/btf with the fixture kernel's vmlinux and modules. */
function btfDir(): string {
  const dir = fresh('btf');
  mkdirSync(dir);
  writeFileSync(join(dir, 'vmlinux'), k.vmlinux);
  for (const [name, bytes] of k.modules) writeFileSync(join(dir, name), bytes);
  return dir;
}

const kinds = coreFixtureObjects().find((p) => p.endsWith('core-kinds.bpf.o'))!;
const execsnoop = libbpfTools().find((o) => o.name === 'execsnoop')!.path;

/** The JSON decisions of `core explain`, with target type IDs replaced by the names they stand for. */
async function explain(object: string, dir: string): Promise<unknown[]> {
  const r = await cli('--json', 'core', 'explain', object, '--btf-dir', dir);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { relocations: { kind: string; target: { id: number } | null; new: unknown }[] };
  return doc.relocations.map((x) => {
    const { target, ...rest } = x;
    const t = target === null ? null : { ...target, id: undefined };
    return x.kind === 'target_type_id' ? { ...rest, target: t, new: undefined } : { ...rest, target: t };
  });
}

describe('tsbpf gen min_core_btf', () => {
  it('writes one BTF file for a vmlinux file, and says what it kept', async () => {
    const input = fresh('vmlinux');
    writeFileSync(input, k.vmlinux);
    const out = fresh('min.btf');
    const r = await cli('gen', 'min_core_btf', input, out, execsnoop);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /relocations: vmlinux \d+ types, \d+ bytes/);
    const spec = loadSpecFromBytes(new Uint8Array(readFileSync(out)));
    spec.validate();
    assert.ok(spec.typeByName('task_struct', 'struct'));
  });

  it('writes a directory of vmlinux and the modules reached, which core explain --btf-dir decides on as on the full BTF', async () => {
    const dir = btfDir();
    const out = fresh('min');
    const r = await cli('gen', 'min_core_btf', dir, out, kinds, execsnoop);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['veth', 'vmlinux']);
    for (const object of [kinds, execsnoop]) assert.deepEqual(await explain(object, out), await explain(object, dir), object);
  });

  it('takes a merged blob on -B VMLINUX as the modules, and core explain decides on its output as on the blob', async () => {
    const dir = btfDir();
    const blob = fresh('modules.btf');
    const merged = await cli('btf', 'merge', '--base', join(dir, 'vmlinux'), dir, '-o', blob);
    assert.equal(merged.code, 0, merged.stderr);
    const out = fresh('min-blob');
    const r = await cli('-B', join(dir, 'vmlinux'), 'gen', 'min_core_btf', blob, out, kinds);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['modules', 'vmlinux']);
    const full = await cli('--json', 'core', 'explain', kinds, '--btf', join(dir, 'vmlinux'), '--btf', blob);
    const min = await cli('--json', 'core', 'explain', kinds, '--btf-dir', out);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(min.code, 0, min.stderr);
    const strip = (text: string) =>
      (
        JSON.parse(text) as {
          relocations: { kind: string; target: { object: string; name: string } | null; new: unknown; poison: boolean }[];
        }
      ).relocations.map((x) => [x.kind, x.target?.object, x.target?.name, x.kind === 'target_type_id' ? null : x.new, x.poison]);
    assert.deepEqual(strip(min.stdout), strip(full.stdout));
    assert.ok(
      strip(min.stdout).some((x) => x[1] === 'modules'),
      'a relocation reaches a module type',
    );
  });

  it('refuses an OUTPUT that exists, and leaves it as it was', async () => {
    const input = fresh('vmlinux');
    writeFileSync(input, k.vmlinux);
    const out = fresh('exists.btf');
    writeFileSync(out, 'keep');
    const r = await cli('gen', 'min_core_btf', input, out, execsnoop);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists\.btf: already exists/);
    assert.equal(readFileSync(out, 'utf8'), 'keep');
    const dir = btfDir();
    const outDir = fresh('existing-dir');
    mkdirSync(outDir);
    const d = await cli('gen', 'min_core_btf', dir, outDir, kinds);
    assert.equal(d.code, 1);
    assert.deepEqual(readdirSync(outDir), []);
  });

  it('refuses an OUTPUT that cannot be written, leaving nothing behind', async () => {
    const dir = btfDir();
    const parentFile = fresh('a-file');
    writeFileSync(parentFile, 'x');
    const r = await cli('gen', 'min_core_btf', dir, join(parentFile, 'out'), kinds);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a-file\/out/);
    const parent = fresh('p');
    const before = readdirSync(join(parent, '..'));
    const missing = await cli('gen', 'min_core_btf', dir, join(parent, 'no', 'such', 'out'), kinds);
    assert.equal(missing.code, 1);
    assert.deepEqual(readdirSync(join(parent, '..')), before);
  });

  it('refuses objects without CO-RE relocations and relocations that reach no type, writing nothing', async () => {
    const input = fresh('vmlinux');
    writeFileSync(input, k.vmlinux);
    const none = libbpfTools().find((o) => o.name === 'cachestat')!.path;
    const out = fresh('none.btf');
    const r = await cli('gen', 'min_core_btf', input, out, none);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cachestat\.bpf\.o: no CO-RE relocations/);
    assert.equal(existsSync(out), false);
    const arrays = join(CORE_RELOC, 'test_core_reloc_arrays.bpf.o');
    const a = await cli('gen', 'min_core_btf', input, out, arrays);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /reaches a type/);
    assert.equal(existsSync(out), false);
  });

  it('reports a usage error for missing words', async () => {
    const r = await cli('gen', 'min_core_btf', 'x', 'y');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing OBJECT/);
  });
});
