import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BtfRelocationError,
  checkDistilledBase,
  distillBase,
  formatRawType,
  loadSpec,
  loadSpecFromBytes,
  loadSplitSpec,
  relocate,
  type Spec,
} from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { cli } from '../cli/run.js';
import { FIXTURES, have, kernelFixtures, readFixture, tempDir } from '../fixtures.js';

const REF = /\b(type_id|ret_type_id|index_type_id)=(\d+)/g;

/** A type's raw dump with its own ID and references masked, and the references in order. */
function shapeOf(spec: Spec, id: number): { text: string; refs: number[] } {
  const raw = formatRawType(spec, id);
  return {
    text: raw.replace(/^\[\d+\]/, '[#]').replace(REF, '$1=#'),
    refs: [...raw.matchAll(REF)].map((m) => Number(m[2])),
  };
}

/**
 * Whether type `aId` of `a` and `bId` of `b` describe the same type, following references:
 * types below `shared` (the common base) must be the very same ID when both sides point there,
 * else they are compared by shape. Returns the mismatches.
 */
function equivalent(a: Spec, aId: number, b: Spec, bId: number, shared: number, seen: Set<number>): string[] {
  const misses: string[] = [];
  const stack: [number, number][] = [[aId, bId]];
  while (stack.length > 0 && misses.length < 5) {
    const [x, y] = stack.pop()!;
    if (x === 0 || y === 0) {
      if (x !== y) misses.push(`[${x}] vs [${y}]: void on one side`);
      continue;
    }
    if (x < shared && y < shared) {
      if (x !== y) misses.push(`base [${x}] vs base [${y}]`);
      continue;
    }
    const key = x * 0x200000 + y;
    if (seen.has(key)) continue;
    seen.add(key);
    const sx = shapeOf(a, x);
    const sy = shapeOf(b, y);
    if (sx.text !== sy.text) {
      misses.push(`[${x}] ${sx.text} vs [${y}] ${sy.text}`);
      continue;
    }
    for (const [i, r] of sx.refs.entries()) stack.push([r, sy.refs[i]!]);
  }
  return misses;
}

/** Every own type of `orig` against the type at the same position of `relocated`. */
function compareModules(orig: Spec, relocated: Spec): string[] {
  const shared = orig.firstId;
  assert.equal(relocated.firstId, shared);
  const seen = new Set<number>();
  const misses: string[] = [];
  for (let id = orig.firstId; id < orig.nextId && misses.length < 5; id++) {
    misses.push(...equivalent(orig, id, relocated, id, shared, seen));
  }
  return misses;
}

describe('distillBase', () => {
  for (const k of kernelFixtures()) {
    const vmlinux = loadSpec(k.vmlinux);
    for (const [name, bytes] of k.modules) {
      it(`${k.release}/${name}: distils to a small base and relocates back to the same types`, (t) => {
        const mod = loadSplitSpec(bytes, vmlinux);
        const d = distillBase(mod);
        const dist = loadSpec(d.base);
        checkDistilledBase(dist);
        dist.validate();
        const split = loadSplitSpec(d.split, dist);
        split.validate();
        assert.equal(dist.count, d.baseTypes);
        assert.equal(split.count, d.splitTypes);
        assert.equal(d.splitTypes, mod.count + d.movedTypes);
        assert.ok(d.base.byteLength * 100 < k.vmlinux.byteLength, `distilled base ${d.base.byteLength} bytes`);
        t.diagnostic(
          `${mod.count} types; base ${d.baseTypes} types ${d.base.byteLength} B (vmlinux ${vmlinux.count} types ` +
            `${k.vmlinux.byteLength} B); split ${d.splitTypes} types (+${d.movedTypes} moved) ${d.split.byteLength} B ` +
            `(was ${bytes.byteLength} B)`,
        );

        // Distilled structs/unions are member-less with the vmlinux type's size; enums value-less.
        const r = relocate(split, vmlinux);
        for (const dt of dist.types()) {
          const target = vmlinux.mustTypeById(r.map[dt.id]!);
          assert.equal(target.name, dt.name);
          if (dt.kind === 'struct' || dt.kind === 'union') {
            assert.equal(dt.members.length, 0);
            assert.equal(target.kind, dt.kind);
            assert.equal(dt.size, target.kind === dt.kind ? target.size : -1);
          }
          if (dt.kind === 'enum') {
            assert.equal(dt.values.length, 0);
            assert.ok(target.kind === 'enum' || target.kind === 'enum64');
          }
        }
        // Nothing but what the module reaches: every distilled type is referenced from the split part.
        const referenced = new Set<number>();
        for (const st of split.types()) for (const m of formatRawType(split, st.id).matchAll(REF)) referenced.add(Number(m[2]));
        for (const dt of dist.types()) assert.ok(referenced.has(dt.id), `[${dt.id}] ${dt.name} is not referenced`);

        const relocated = r.spec;
        relocated.validate();
        assert.equal(relocated.count, d.splitTypes);
        assert.deepEqual(compareModules(mod, relocated), []);
      });
    }
  }

  it('rejects base BTF', () => {
    const k = kernelFixtures()[0];
    if (!k) return;
    assert.throws(
      () => distillBase(loadSpec(k.vmlinux)),
      (e: unknown) => e instanceof BtfError && /base BTF/.test(e.message),
    );
  });
});

describe('.ko with .BTF.base', () => {
  const koPath = join(FIXTURES, 'kernels', 'bookworm', 'veth.ko.br');
  const k = kernelFixtures().find((f) => f.release === 'bookworm');
  const objcopy = have('llvm-objcopy') ? undefined : 'llvm-objcopy is not installed';
  it('loadSpecFromBytes relocates a module carrying a distilled base', { skip: objcopy ?? (!k || !existsSync(koPath)) }, () => {
    const vmlinux = loadSpec(k!.vmlinux);
    const ko = readFixture(koPath);
    const orig = loadSpecFromBytes(ko, vmlinux);
    const d = distillBase(orig);
    const dir = mkdtempSync(join(tempDir(), 'ko-'));
    const [inKo, outKo, splitFile, baseFile] = ['in.ko', 'out.ko', 'split.btf', 'base.btf'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
      string,
    ];
    writeFileSync(inKo, ko);
    writeFileSync(splitFile, d.split);
    writeFileSync(baseFile, d.base);
    execFileSync('llvm-objcopy', [`--update-section=.BTF=${splitFile}`, `--add-section=.BTF.base=${baseFile}`, inKo, outKo]);
    const distilledKo = new Uint8Array(readFileSync(outKo));

    // On its own, the module is split BTF on its distilled base.
    const onDist = loadSpecFromBytes(distilledKo);
    assert.equal(onDist.base?.count, d.baseTypes);
    assert.equal(onDist.count, d.splitTypes);
    onDist.validate();

    // Given vmlinux, it is relocated onto it.
    const relocated = loadSpecFromBytes(distilledKo, vmlinux);
    assert.equal(relocated.base, vmlinux);
    relocated.validate();
    assert.deepEqual(compareModules(orig, relocated), []);
    const named = [...orig.types()].find((t) => t.name !== '' && t.kind === 'struct')!;
    assert.deepEqual(
      relocated.ownTypesByName(named.name).map((t) =>
        formatRawType(relocated, t.id)
          .replace(REF, '$1=#')
          .replace(/^\[\d+\]/, ''),
      ),
      [
        formatRawType(orig, named.id)
          .replace(REF, '$1=#')
          .replace(/^\[\d+\]/, ''),
      ],
    );

    // On a kernel whose types differ, loading fails naming the type.
    const other = kernelFixtures().find((f) => f.release !== 'bookworm');
    if (other) {
      assert.throws(
        () => loadSpecFromBytes(distilledKo, loadSpec(other.vmlinux)),
        (e: unknown) => e instanceof BtfRelocationError && e.message.includes(`'${e.typeName}'`),
      );
    }
  });
});

describe('tsbpf btf distill', () => {
  const k = kernelFixtures().find((f) => f.modules.has('veth'));
  it('writes <prefix>.btf and <prefix>.btf.base that relocate onto the base', { skip: !k }, async () => {
    const dir = mkdtempSync(join(tempDir(), 'distill-'));
    const vmPath = join(dir, 'vmlinux');
    const modPath = join(dir, 'veth');
    writeFileSync(vmPath, k!.vmlinux);
    writeFileSync(modPath, k!.modules.get('veth')!);
    const r = await cli('btf', 'distill', modPath, 'base', vmPath, 'out', join(dir, 'out'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /distilled base \d+ types/);
    const vmlinux = loadSpec(k!.vmlinux);
    const expected = distillBase(loadSplitSpec(k!.modules.get('veth')!, vmlinux));
    const base = new Uint8Array(readFileSync(join(dir, 'out.btf.base')));
    const split = new Uint8Array(readFileSync(join(dir, 'out.btf')));
    assert.deepEqual(base, expected.base);
    assert.deepEqual(split, expected.split);
    const relocated = relocate(loadSplitSpec(split, loadSpec(base)), vmlinux).spec;
    assert.deepEqual(compareModules(loadSplitSpec(k!.modules.get('veth')!, vmlinux), relocated), []);

    // A directory as OUT: named after the module; JSON output.
    const j = await cli('-j', 'btf', 'distill', modPath, '--base', vmPath, '-o', dir);
    assert.equal(j.code, 0, j.stderr);
    const info = JSON.parse(j.stdout) as { base: { path: string; types: number }; split: { path: string } };
    assert.equal(info.base.path, join(dir, 'veth.btf.base'));
    assert.equal(info.base.types, expected.baseTypes);
    assert.ok(existsSync(join(dir, 'veth.btf')));
  });

  it('has --help and rejects bad usage', async () => {
    const h = await cli('btf', 'distill', '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: tsbpf btf distill <MODULE>/);
    const missingOut = await cli('btf', 'distill', '/nonexistent');
    assert.notEqual(missingOut.code, 0);
    assert.match(missingOut.stderr, /missing -o </);
  });
});
