import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatRawType } from '../../src/btf/format/raw.js';
import { Builder, loadSpec, loadSpecFromBytes, loadSplitSpec, marshalSpec, merge, type Spec } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { HOST_VMLINUX, KINDS_OBJECT, kernelFixtures } from '../fixtures.js';

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
