import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { writeRaw } from '../../src/btf/format/raw.js';
import { Builder, loadSpec, loadSpecFromBytes, loadSplitSpec, type Spec, type Struct } from '../../src/btf/index.js';
import { collect, HOST_VMLINUX, KINDS_OBJECT, kernelFixtures, ROOT, tempFile } from '../fixtures.js';

const LIBBPF_DEDUP = `${ROOT}/bench/c/bin/dedup`;

/** Builds the libbpf harnesses (bench/c) if needed; why they cannot be had, or undefined. */
function libbpfHarness(): string | undefined {
  if (existsSync(LIBBPF_DEDUP)) return undefined;
  if (!existsSync('/usr/include/bpf/btf.h')) return 'libbpf-dev is not installed (apt-get install libbpf-dev)';
  const r = spawnSync('make', ['-s', '-C', `${ROOT}/bench/c`], { encoding: 'utf8' });
  return r.status === 0 && existsSync(LIBBPF_DEDUP) ? undefined : `make -C bench/c failed: ${r.stderr}`;
}

function rawDump(spec: Spec): Buffer {
  return collect((sink) => writeRaw(spec, sink));
}

describe('dedup', () => {
  it('leaves the host kernel BTF (deduplicated by its build) as it is', {
    skip: existsSync(HOST_VMLINUX) ? false : 'no host BTF',
  }, () => {
    const spec = loadSpec(new Uint8Array(readFileSync(HOST_VMLINUX)));
    const b = new Builder();
    b.addSpec(spec);
    const stats = b.dedup();
    assert.equal(stats.typesAfter, stats.typesBefore);
    assert.ok(rawDump(loadSpec(b.marshal())).equals(rawDump(spec)));
  });

  it('deduplicates kernel fixtures to valid BTF with no more types than libbpf', () => {
    for (const k of kernelFixtures()) {
      const spec = loadSpec(k.vmlinux);
      const b = new Builder();
      b.addSpec(spec);
      const stats = b.dedup();
      assert.ok(stats.typesAfter <= stats.typesBefore);
      const out = b.marshal();
      loadSpec(out).validate();
      if (existsSync(LIBBPF_DEDUP)) {
        const path = tempFile(`${k.release}-vmlinux.btf`, k.vmlinux);
        const libbpf = JSON.parse(execFileSync(LIBBPF_DEDUP, [path, '-n', '1']).toString()) as { types_after: number };
        assert.ok(stats.typesAfter <= libbpf.types_after, `${k.release}: ${stats.typesAfter} > libbpf's ${libbpf.types_after}`);
      }
    }
  });

  it('merges two copies of a program BTF into one', () => {
    const kinds = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const once = new Builder();
    once.addSpec(kinds);
    const single = once.dedup().typesAfter;
    const twice = new Builder();
    twice.addSpec(kinds);
    twice.addSpec(kinds);
    const stats = twice.dedup();
    assert.equal(stats.typesBefore, 2 * kinds.count);
    // VAR and DATASEC are never merged (as in libbpf): the second copy keeps only those.
    const unmergeable = [...kinds.types()].filter((t) => t.kind === 'var' || t.kind === 'datasec').length;
    assert.ok(unmergeable > 0);
    assert.equal(stats.typesAfter, single + unmergeable);
    loadSpec(twice.marshal()).validate();
  });

  it('maps every old ID to the new ID of the type it became', () => {
    const kinds = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const b = new Builder();
    const first = b.addSpec(kinds);
    const second = b.addSpec(kinds);
    const { idMap, typesAfter } = b.dedup();
    assert.equal(idMap.length, second + kinds.count);
    assert.equal(idMap[0], 0);
    const out = loadSpec(b.marshal());
    assert.equal(out.count, typesAfter);
    for (let i = 0; i < kinds.count; i++) {
      const old = kinds.mustTypeById(kinds.firstId + i);
      const a = idMap[first + i]!;
      const c = idMap[second + i]!;
      assert.ok(a > 0 && a < out.nextId && c > 0 && c < out.nextId, `[${old.id}] maps to [${a}] and [${c}]`);
      // The type each copy became reads the same as the original, and the two copies of a
      // mergeable type became one.
      for (const id of [a, c]) {
        const now = out.mustTypeById(id);
        assert.equal(now.kind, old.kind, `[${old.id}] ${old.kind} became [${id}] ${now.kind}`);
        assert.equal(now.name, old.name);
      }
      if (old.kind !== 'var' && old.kind !== 'datasec') assert.equal(c, a, `[${old.id}] ${old.kind} '${old.name}'`);
      else assert.notEqual(c, a);
    }
  });

  it('resolves a FWD to the full definition met through a pointer cycle', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    // Copy 1: struct a { struct b *b; int x; } with b only declared.
    const fwd = b.addFwd('b');
    const a1 = b.addStruct('a', 16, [
      { name: 'b', typeId: b.addPtr(fwd), bitOffset: 0 },
      { name: 'x', typeId: int, bitOffset: 64 },
    ]);
    // Copy 2: the same with b defined, pointing back at a (forward references, closed below).
    const a2 = b.nextId;
    b.addStruct('a', 16, [
      { name: 'b', typeId: a2 + 1, bitOffset: 0 },
      { name: 'x', typeId: int, bitOffset: 64 },
    ]);
    b.addPtr(a2 + 2);
    b.addStruct('b', 8, [{ name: 'a', typeId: a2 + 3, bitOffset: 0 }]);
    b.addPtr(a2);
    const stats = b.dedup();
    assert.equal(stats.typesBefore, 8);
    // int, struct a, ptr to b, struct b, ptr to a: the FWD and the second copy are gone.
    assert.equal(stats.typesAfter, 5);
    const out = loadSpec(b.marshal());
    out.validate();
    assert.equal(out.typesByName('b').length, 1);
    assert.equal(out.typeByName('b')?.kind, 'struct');
    const a = out.typeByName('a', 'struct') as Struct;
    assert.equal(a.id, a1 - 1, 'the FWD before it is gone');
    const ptr = a.members[0]!.type;
    assert.ok(ptr.kind === 'ptr' && ptr.type.kind === 'struct');
  });

  it('replaces types of split BTF that the base already has with base IDs', () => {
    const k = kernelFixtures()[0];
    if (!k) return;
    const base = loadSpec(k.vmlinux);
    // The same types in a spec that is not the base's bytes (one more type at the end): a
    // spec identical to the base would be referenced by the Builder, not copied.
    const copy = new Builder();
    copy.addSpec(base);
    copy.addInt('not in the base', 4);
    const other = loadSpec(copy.marshal());
    const b = new Builder({ base });
    b.addType(other, other.typeByName('task_struct', 'struct')!.id);
    assert.ok(b.count > 1000);
    const stats = b.dedup();
    assert.equal(stats.typesAfter, 0);
  });

  it('merges anonymous prototypes, structs and unions into equal base ones, with no items, an unnamed first item or a named one', () => {
    // The candidates dedup seeds from a base are narrowed by name, kind and (for these kinds)
    // the first item's name: each way a base type can pass must still be found.
    const make = (b: Builder, int: number): number[] => [
      b.addStruct('', 0, []),
      b.addStruct('', 4, [{ name: '', typeId: int, bitOffset: 0 }]),
      b.addUnion('', 4, [{ name: 'u', typeId: int, bitOffset: 0 }]),
      b.addFuncProto(int, []),
      b.addFuncProto(int, [{ name: '', typeId: int }]),
      b.addFuncProto(int, [{ name: 'p', typeId: int }]),
    ];
    const baseBuilder = new Builder();
    const int = baseBuilder.addInt('int', 4, 1);
    const inBase = make(baseBuilder, int);
    const base = loadSpec(baseBuilder.marshal());
    const b = new Builder({ base });
    const own = make(b, int);
    // One that no base type matches: its first parameter's name is new.
    const lone = b.addFuncProto(int, [{ name: 'q', typeId: int }]);
    const { idMap, typesAfter } = b.dedup();
    assert.deepEqual(
      own.map((id) => idMap[id]),
      inBase,
    );
    assert.equal(typesAfter, 1);
    assert.equal(idMap[lone], base.nextId);
  });

  it('deduplicates a module against its base no worse than libbpf', {
    skip: libbpfHarness() ?? false,
  }, () => {
    const k = kernelFixtures()[0];
    if (!k) return;
    const base = loadSpec(k.vmlinux);
    // Two modules appended without dedup make a blob with plenty to merge.
    const b = new Builder();
    b.addSpec(base);
    for (const [, bytes] of k.modules) {
      const m = loadSplitSpec(bytes, base);
      for (const t of m.types()) b.addType(m, t.id);
    }
    const input = tempFile('dedup-input.btf', b.marshal());
    const libbpf = JSON.parse(execFileSync(LIBBPF_DEDUP, [input, '-n', '1']).toString()) as { types_after: number };
    const stats = b.dedup();
    assert.ok(stats.typesAfter <= libbpf.types_after, `${stats.typesAfter} > libbpf's ${libbpf.types_after}`);
  });
});
