import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatRawType } from '../../src/btf/format/raw.js';
import { Builder, loadSpec, loadSpecFromBytes, loadSplitSpec, marshalSpec, merge, type Spec } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { HOST_VMLINUX, KINDS_OBJECT, kernelFixtures, ROOT, tempDir } from '../fixtures.js';

const LIBBPF_MERGE = `${ROOT}/bench/c/bin/merge`;

/** Builds the libbpf harnesses (bench/c) if needed; why they cannot be had, or undefined. */
function libbpfMissing(): string | undefined {
  if (existsSync(LIBBPF_MERGE)) return undefined;
  if (!existsSync('/usr/include/bpf/btf.h')) return 'libbpf-dev is not installed (apt-get install libbpf-dev)';
  const r = spawnSync('make', ['-s', '-C', `${ROOT}/bench/c`], { encoding: 'utf8' });
  return r.status === 0 && existsSync(LIBBPF_MERGE) ? undefined : `make -C bench/c failed: ${r.stderr}`;
}

/**
 * libbpf's merge (`btf__add_type` of every module's types, then `btf__dedup`) of `modules` on
 * `vmlinux`, through a directory laid out like /sys/kernel/btf.
 */
function libbpfMerge(name: string, vmlinux: Uint8Array, modules: ReadonlyMap<string, Uint8Array>): Buffer {
  const dir = join(tempDir(), `libbpf-merge-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinux'), vmlinux);
  for (const [m, bytes] of modules) writeFileSync(join(dir, m), bytes);
  const out = join(tempDir(), `libbpf-merge-${name}.btf`);
  execFileSync(LIBBPF_MERGE, [dir, '-o', out]);
  return readFileSync(out);
}

/** `copies` copies of one module under sortable names, as a directory of them would hold. */
function copiesOf(bytes: Uint8Array, copies: number): Map<string, Uint8Array> {
  return new Map(Array.from({ length: copies }, (_, i) => [`copy${String(i).padStart(3, '0')}`, bytes]));
}

/** A type's raw dump with every type ID replaced. */
function shape(spec: Spec, id: number): string {
  return formatRawType(spec, id)
    .replace(/\[\d+\]/g, '[#]')
    .replace(/(type_id|ret_type_id|index_type_id)=\d+/g, '$1=#');
}

/**
 * Whether every named type of `mod` has a counterpart in `merged` whose raw dump equals its
 * own modulo IDs (a FWD may instead have become the struct/union of its name). Returns the misses.
 */
export function checkMerged(mod: Spec, merged: Spec): string[] {
  const misses: string[] = [];
  for (const t of mod.types()) {
    if (t.name === '') continue;
    const want = shape(mod, t.id);
    const cands = merged.typesByName(t.name);
    if (cands.some((c) => shape(merged, c.id) === want)) continue;
    if (t.kind === 'fwd' && cands.some((c) => c.kind === t.fwdKind)) continue;
    misses.push(`[${t.id}] ${t.kind} ${t.name}`);
  }
  return misses;
}

describe('merge', () => {
  for (const k of kernelFixtures()) {
    it(`merges ${k.release}'s modules: every named type survives, shared types once`, () => {
      const base = loadSpec(k.vmlinux);
      const modules = [...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, base) }));
      const r = merge(base, modules);
      assert.ok(r.typesAfter < r.typesBefore, `${r.typesAfter} >= ${r.typesBefore}`);
      const merged = loadSplitSpec(r.builder.marshal(), base);
      merged.validate();
      for (const m of modules) assert.deepEqual(checkMerged(m.spec, merged), [], m.name);
    });
  }

  for (const k of kernelFixtures()) {
    it(`writes ${k.release}'s merged modules byte for byte as libbpf does`, { skip: libbpfMissing() ?? false }, () => {
      const base = loadSpec(k.vmlinux);
      const modules = [...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, base) }));
      const ours = Buffer.from(merge(base, modules).builder.marshal());
      assert.ok(ours.equals(libbpfMerge(k.release, k.vmlinux, k.modules)));
    });
  }

  it('merges modules whose types together exceed the format (128 copies of xfs): only the result must fit', {
    skip: libbpfMissing() ?? false,
  }, () => {
    // Of the fixtures, trixie's xfs is the smallest whose 128 copies have more types than a
    // BTF type ID can number (sid's has more still).
    const k = kernelFixtures().find((f) => f.release === 'trixie');
    if (!k) return;
    const xfs = k.modules.get('xfs')!;
    const base = loadSpec(k.vmlinux);
    const spec = loadSplitSpec(xfs, base);
    const copies = copiesOf(xfs, 128);
    const r = merge(
      base,
      [...copies.keys()].map((name) => ({ name, spec })),
    );
    assert.equal(r.typesBefore, 128 * spec.count);
    assert.ok(base.nextId - 1 + r.typesBefore > 0xfffff, `${r.typesBefore} types fit the format`);
    const once = Buffer.from(merge(base, [{ name: 'xfs', spec }]).builder.marshal());
    const ours = Buffer.from(r.builder.marshal());
    // 128 copies of one module deduplicate to one copy of it, exactly as libbpf merges them.
    assert.ok(ours.equals(once), `${r.typesAfter} types, one copy has ${loadSplitSpec(once, base).count}`);
    assert.ok(ours.equals(libbpfMerge('xfs128', k.vmlinux, copies)));
  });

  it('says so when the merged result itself does not fit the format', () => {
    const k = kernelFixtures().find((f) => f.release === 'trixie');
    if (!k) return;
    const base = loadSpec(k.vmlinux);
    const spec = loadSplitSpec(k.modules.get('xfs')!, base);
    const modules = Array.from({ length: 128 }, (_, i) => ({ name: `xfs${i}`, spec }));
    assert.throws(
      () => merge(base, modules, { noDedup: true }),
      (e: unknown) =>
        e instanceof BtfError &&
        /merged result does not fit the format: \d+ types \(not deduplicated, of \d+ from 128 modules\).* beyond 1048575/.test(
          e.message,
        ),
    );
    // What a merge works on is never written as it is.
    const b = merge(base, modules.slice(0, 1)).builder;
    b.table.idLimit = 0x7ffffffe;
    for (let i = 0; i < 120; i++) b.addSpec(spec);
    assert.throws(() => b.marshal(), /exceeds the format limit: \d+ types from ID \d+ run to ID \d+ > 1048575/);
  });

  it('names the module whose base is not the merge base', () => {
    const [a, b] = kernelFixtures();
    if (!a || !b) return;
    const baseA = loadSpec(a.vmlinux);
    const baseB = loadSpec(b.vmlinux);
    const [name, bytes] = [...b.modules][0]!;
    const onWrong = loadSplitSpec(bytes, baseA);
    assert.throws(
      () => merge(baseA, [{ name, spec: onWrong }]),
      (e: unknown) => e instanceof BtfError && e.message.includes(`module ${name}`),
    );
    assert.throws(() => merge(baseA, [{ name, spec: loadSplitSpec(bytes, baseB) }]), /module .*different base/);
  });
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;
describe('the kernel accepts what is written', { skip: root ? false : 'not root: BPF_BTF_LOAD needs CAP_BPF' }, async () => {
  const { btfLoad } = await import('../../src/sys/index.js');

  it('loads the marshalled host vmlinux as plain BTF', { skip: existsSync(HOST_VMLINUX) ? false : 'no host BTF' }, () => {
    btfLoad(marshalSpec(loadSpec(new Uint8Array(readFileSync(HOST_VMLINUX))))).close();
  });

  it("loads the clang object's BTF, once DATASEC sizes are a loader's (the kernel rejects size 0)", () => {
    const spec = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    assert.throws(() => btfLoad(marshalSpec(spec)), /size == 0/);
    const b = new Builder();
    for (const t of spec.types()) if (t.kind !== 'datasec') b.addType(spec, t.id);
    btfLoad(b.marshal()).close();
  });

  it('loads a merged blob (flattened onto its base)', () => {
    const k = kernelFixtures()[0];
    if (!k) return;
    const base = loadSpec(k.vmlinux);
    const modules = [...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, base) }));
    const merged = loadSplitSpec(merge(base, modules).builder.marshal(), base);
    const flat = new Builder();
    for (const t of merged.types()) flat.addType(merged, t.id);
    btfLoad(flat.marshal()).close();
  });
});
