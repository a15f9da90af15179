import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec, type TypeKind } from '../../src/btf/index.js';
import { ALL_BTF_FEATURES, type BtfFeatures, kernelBtf, loadObject, sanitizeBtf } from '../../src/obj/index.js';
import { btfLoad } from '../../src/sys/index.js';
import { KINDS_OBJECT, readFixture } from '../fixtures.js';
import { objBytes, objFixtures } from './support.js';

/** The fixtures, and the committed kinds object that has every BTF kind (FLOAT, tags, ENUM64). */
function objects(): { name: string; btf: Uint8Array; hidden: string[] }[] {
  const out = objFixtures().flatMap((f) =>
    [false, true].map((eb) => {
      const o = loadObject(objBytes(f.name, eb));
      return {
        name: `${f.name}${eb ? ' (bpfeb)' : ''}`,
        btf: o.btfBytes!,
        hidden: o.subprograms.filter((p) => p.hidden).map((p) => p.name),
      };
    }),
  );
  out.push({ name: 'kinds', btf: loadObject(readFixture(KINDS_OBJECT)).btfBytes!, hidden: [] });
  return out;
}

/** Kinds a kernel without each feature must never see. */
const FORBIDDEN: Record<keyof BtfFeatures, TypeKind[]> = {
  func: ['func', 'func_proto'],
  funcGlobal: [],
  datasec: ['var', 'datasec'],
  qmarkDatasec: [],
  float: ['float'],
  declTag: ['decl_tag'],
  typeTag: ['type_tag'],
  enum64: ['enum64'],
};

const NONE: BtfFeatures = Object.fromEntries(Object.keys(ALL_BTF_FEATURES).map((k) => [k, false])) as unknown as BtfFeatures;

describe('obj: BTF sanitized for older kernels', () => {
  for (const o of objects()) {
    test(`${o.name}: each missing feature removes its kinds, keeps IDs, and the result validates`, () => {
      const original = loadSpec(o.btf);
      for (const missing of [...Object.keys(FORBIDDEN), 'all'] as (keyof BtfFeatures | 'all')[]) {
        const features = missing === 'all' ? NONE : { ...ALL_BTF_FEATURES, [missing]: false };
        const out = loadSpec(sanitizeBtf(o.btf, features));
        // Kernels before 5.0 (no FUNC) took ENUMs with unnamed enumerators, which libbpf's
        // FUNC_PROTO rewrite produces; today's rules (ours) refuse them.
        if (features.func) out.validate();
        const forbidden = missing === 'all' ? Object.values(FORBIDDEN).flat() : FORBIDDEN[missing];
        const hasEnum64 = [...original.types()].some((t) => t.kind === 'enum64');
        assert.equal(out.nextId, original.nextId + (hasEnum64 && (missing === 'enum64' || missing === 'all') ? 1 : 0));
        for (const t of out.types()) {
          assert.ok(!forbidden.includes(t.kind), `${missing}: type [${t.id}] is still ${t.kind}`);
          if ((missing === 'funcGlobal' || missing === 'all') && t.kind === 'func') assert.equal(t.linkage, 'static');
          if ((missing === 'enum64' || missing === 'all') && t.kind === 'enum') assert.equal(t.signed, false);
        }
        if (missing !== 'all') {
          // Kinds that are not rewritten keep their names.
          for (const t of original.types()) {
            const u = out.typeById(t.id)!;
            if (u.kind === t.kind && !['datasec', 'float', 'type_tag'].includes(t.kind)) assert.equal(u.name, t.name);
          }
        }
      }
      assert.deepEqual(sanitizeBtf(o.btf, ALL_BTF_FEATURES), o.btf);
    });
  }

  test("with nothing to rewrite, the BTF to load is the object's fixed-up BTF itself", () => {
    const o = loadObject(objBytes('maps'));
    assert.ok(o.subprograms.every((p) => !(p.hidden && p.global)));
    assert.equal(kernelBtf(o, ALL_BTF_FEATURES), o.btfBytes);
    const calls = loadObject(objBytes('calls'));
    assert.notEqual(kernelBtf(calls, ALL_BTF_FEATURES), calls.btfBytes);
    assert.notEqual(kernelBtf(o, { ...ALL_BTF_FEATURES, float: false }), o.btfBytes);
  });

  test('hidden global subprograms become static on every kernel', () => {
    const o = loadObject(objBytes('calls'));
    const out = loadSpec(kernelBtf(o, ALL_BTF_FEATURES)!);
    const fn = (s: typeof out, n: string) => s.typesByName(n, 'func')[0];
    assert.equal((fn(out, 'hidden_sub') as { linkage: unknown }).linkage, 'static');
    assert.equal((fn(out, 'global_sub') as { linkage: unknown }).linkage, 'global');
  });

  test('the host kernel accepts each object BTF sanitized for a kernel with nothing but FUNC', {
    skip: process.getuid?.() === 0 ? false : 'BPF_BTF_LOAD needs root',
  }, () => {
    for (const o of objects().filter((x) => !x.name.includes('bpfeb'))) {
      btfLoad(o.btf).close();
      btfLoad(sanitizeBtf(o.btf, { ...NONE, func: true }, o.hidden)).close();
      btfLoad(sanitizeBtf(o.btf, { ...ALL_BTF_FEATURES, enum64: false, float: false })).close();
    }
  });
});
