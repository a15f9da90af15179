/**
 * Looking types up by name as a strict TypeScript caller does: the kind narrows the result's
 * type, a name several types share is an error that lists them (a brute-force walk over
 * every type is the reference), and types, members, specs and registry matches serialize and
 * print as what they are.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { loadSpecFromBytes } from '../../src/btf/load.js';
import { loadSpec, loadSplitSpec, type Spec } from '../../src/btf/spec.js';
import type { Enum64, Struct, Type, Var } from '../../src/btf/types.js';
import { AmbiguousError, MultipleTypesError } from '../../src/errors.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { KINDS_OBJECT, kernelFixtures, readFixture } from '../fixtures.js';

/** Every type of `spec` (base first) by name, found by walking them all. */
function byName(spec: Spec): Map<string, Type[]> {
  const out = new Map<string, Type[]>();
  for (const t of spec.allTypes()) {
    if (t.name === '') continue;
    const list = out.get(t.name);
    if (list) list.push(t);
    else out.set(t.name, [t]);
  }
  return out;
}

/** The error `fn` throws, checked to be a MultipleTypesError. */
function multiple(fn: () => unknown): MultipleTypesError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MultipleTypesError, String(err));
    return err;
  }
  assert.fail('no error');
}

const [kernel] = kernelFixtures();

describe('typeByName', () => {
  test('a kind narrows the result: members, values and a variable type need no cast', () => {
    assert.ok(kernel, 'no kernel fixtures');
    const vm = loadSpec(kernel.vmlinux, { name: 'vmlinux' });
    // These lines compile under --strict only if the lookup is typed by its kind.
    const task: Struct | undefined = vm.typeByName('task_struct', 'struct');
    assert.ok(task !== undefined && task.members.length > 10);
    assert.ok(task.member('pid'));
    const states = vm.typeByName('bpf_map_type', 'enum');
    assert.ok(states?.values.some((v) => v.name === 'BPF_MAP_TYPE_HASH'));
    const all: Var[] = vm.typesByName('runqueues', 'var');
    assert.equal(all.length, 1);
    assert.equal(all[0]!.type.name, 'rq');
  });

  test('a name several kinds share throws a MultipleTypesError listing each; a kind picks one', () => {
    assert.ok(kernel, 'no kernel fixtures');
    const vm = loadSpec(kernel.vmlinux, { name: 'vmlinux' });
    const names = byName(vm);
    let shared = 0;
    let checked = 0;
    for (const [name, types] of names) {
      if (types.length < 2) continue;
      shared++;
      if (checked >= 50) continue;
      checked++;
      const err = multiple(() => vm.typeByName(name));
      assert.ok(err instanceof AmbiguousError);
      assert.deepEqual(
        err.types,
        types.map((t) => ({ object: 'vmlinux', id: t.id, kind: t.kind })),
      );
      assert.match(err.message, new RegExp(`^vmlinux: '${name}' names ${types.length} types`));
      for (const t of types) assert.ok(err.message.includes(`[${t.id}] ${t.kind}`), err.message);
      const first = types[0]!;
      assert.equal(vm.anyTypeByName(name), first);
      const ofKind = types.filter((t) => t.kind === first.kind);
      if (ofKind.length === 1) assert.equal(vm.typeByName(name, first.kind), first);
      else assert.throws(() => vm.typeByName(name, first.kind), MultipleTypesError);
    }
    assert.ok(shared > 10, `only ${shared} shared names in ${kernel.release}'s vmlinux`);
    // A unique name, and a name nothing has.
    const unique = [...names].find(([, t]) => t.length === 1)!;
    assert.equal(vm.typeByName(unique[0]), unique[1][0]);
    assert.equal(vm.typeByName('no such type at all'), undefined);
  });

  test("a module's type that shadows one of vmlinux is ambiguous through the module, named by object", () => {
    let seen = 0;
    for (const k of kernelFixtures()) {
      const vm = loadSpec(k.vmlinux, { name: 'vmlinux' });
      for (const [module, bytes] of k.modules) {
        const mod = loadSplitSpec(bytes, vm, { name: module });
        for (const t of mod.types()) {
          if (t.name === '' || t.kind === 'func_proto') continue;
          const base = vm.typesByName(t.name, t.kind);
          if (base.length !== 1 || mod.ownTypesByName(t.name, t.kind).length !== 1) continue;
          const err = multiple(() => mod.typeByName(t.name, t.kind));
          assert.deepEqual(
            err.types.map((c) => c.object),
            ['vmlinux', module],
          );
          assert.equal(err.kind, t.kind);
          assert.equal(vm.typeByName(t.name, t.kind), base[0]);
          seen++;
          break;
        }
      }
    }
    assert.ok(seen > 0, 'no module of the fixtures redefines a vmlinux type');
  });
});

describe('types print and serialize as what they are', () => {
  const spec = loadSpecFromBytes(readFixture(KINDS_OBJECT), undefined, { name: 'kinds.bpf.o' });

  test('JSON.stringify of every type gives its fields, references as IDs, and no spec', () => {
    const kinds = new Set<string>();
    for (const t of spec.types()) {
      const json = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
      kinds.add(t.kind);
      assert.equal(json.kind, t.kind);
      assert.equal(json.id, t.id);
      assert.equal(json.name, t.name);
      assert.equal(json.spec, 'kinds.bpf.o');
      assert.equal(json.resolver, undefined);
      if (t.kind === 'struct' || t.kind === 'union') {
        assert.equal(json.size, t.size);
        assert.deepEqual(
          json.members,
          t.members.map((m) => ({ name: m.name, typeId: m.typeId, bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize })),
        );
      }
      if (t.kind === 'func_proto')
        assert.deepEqual(
          json.rawParams,
          t.rawParams.map((p) => ({ name: p.name, typeId: p.typeId })),
        );
      if ('typeId' in t) assert.equal(json.typeId, t.typeId);
    }
    assert.ok(kinds.has('struct') && kinds.has('func_proto') && kinds.has('datasec'), [...kinds].join());
  });

  test('ENUM64 values serialize as decimal strings, exactly', () => {
    const e64 = [...spec.types()].find((t): t is Enum64 => t.kind === 'enum64');
    assert.ok(e64, 'kinds.bpf.o has no enum64');
    const json = JSON.parse(JSON.stringify(e64)) as { values: { name: string; value: string }[] };
    assert.deepEqual(
      json.values,
      e64.values.map((v) => ({ name: v.name, value: v.value.toString() })),
    );
  });

  test('inspect prints the type, not the spec behind it', () => {
    assert.ok(kernel, 'no kernel fixtures');
    const vm = loadSpec(kernel.vmlinux, { name: 'vmlinux' });
    const task = vm.typeByName('task_struct', 'struct')!;
    const text = inspect(task);
    assert.match(text, new RegExp(`^Struct \\[${task.id}\\] task_struct \\{`));
    assert.ok(text.includes(`size: ${task.size}`), text);
    assert.ok(!text.includes('Uint8Array') && !text.includes('StringTable'), text);
    assert.ok(text.length < 20_000, `${text.length} characters`);
    assert.match(inspect(task.members[0]), /^Member \{ name: '\w+', typeId: \d+/);
    assert.equal(inspect(vm), `Spec vmlinux { name: 'vmlinux', firstId: 1, count: ${vm.count} }`);
    assert.equal(inspect({ t: { u: task } }, { depth: 1 }), `{ t: { u: [Struct [${task.id}] task_struct] } }`);
  });

  test("a registry's matches serialize and print without the whole spec", () => {
    assert.ok(kernel, 'no kernel fixtures');
    const vm = loadSpec(kernel.vmlinux, { name: 'vmlinux' });
    const [module, bytes] = [...kernel.modules][0]!;
    const registry = KernelRegistry.fromSpecs(vm, new Map([[module, loadSplitSpec(bytes, vm, { name: module })]]));
    const [match] = registry.find('task_struct', 'struct');
    assert.ok(match);
    const json = JSON.parse(JSON.stringify(match)) as { spec: { name: string }; type: { id: number; kind: string } };
    assert.deepEqual(json.spec, { name: 'vmlinux', firstId: 1, count: vm.count });
    assert.equal(json.type.id, match.typeId);
    assert.equal(json.type.kind, 'struct');
    assert.ok(inspect(match).length < 20_000);
  });
});
