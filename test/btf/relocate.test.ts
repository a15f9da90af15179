import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BtfRelocationError,
  Builder,
  distillBase,
  loadSpec,
  loadSplitSpec,
  relocate,
  type Spec,
  type Type,
} from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { kernelFixtures } from '../fixtures.js';
import { encodeBtf } from './encode.js';

/** Base BTF built with `fill`. */
function baseOf(fill: (b: Builder) => void): Spec {
  const b = new Builder();
  fill(b);
  return loadSpec(b.marshal());
}

/** Split BTF on `base` built with `fill`. */
function splitOf(base: Spec, fill: (b: Builder) => void): Spec {
  const b = new Builder({ base });
  fill(b);
  return loadSplitSpec(b.marshal(), base);
}

/** `split` distilled and reopened on its distilled base. */
function distilled(split: Spec): Spec {
  const d = distillBase(split);
  return loadSplitSpec(d.split, loadSpec(d.base));
}

function relocationError(fault: string, typeName: string) {
  return (e: unknown) => e instanceof BtfRelocationError && e.fault === fault && e.typeName === typeName;
}

/** The struct/union a type is, through typedefs, qualifiers and arrays (not pointers). */
function embeddedComposite(t: Type): Type | undefined {
  for (let cur: Type = t; ; ) {
    switch (cur.kind) {
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'array':
        cur = cur.type;
        break;
      case 'struct':
      case 'union':
        return cur;
      default:
        return undefined;
    }
  }
}

/** Kinds of a target type that may stand for a distilled type of `kind`. */
function compatibleKinds(t: Type): string[] {
  switch (t.kind) {
    case 'enum':
      return ['enum', 'enum64'];
    case 'fwd':
      return ['fwd', t.fwdKind];
    default:
      return [t.kind];
  }
}

describe('relocate: libbpf matching rules', () => {
  // struct foo (8 bytes) embedded through a typedef, struct bar (4 bytes) only by pointer,
  // an ENUM64, a struct FWD and a signed int.
  const original = baseOf((b) => {
    const int = b.addInt('int', 4, 1);
    const foo = b.addStruct('foo', 8, [
      { name: 'a', typeId: int, bitOffset: 0 },
      { name: 'b', typeId: int, bitOffset: 32 },
    ]);
    b.addTypedef('foo_t', foo);
    b.addStruct('bar', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
    b.addEnum64('big', 8, [{ name: 'BIG', value: 1n << 40n }]);
    b.addFwd('opaque');
  });
  const id = (name: string) => original.typeByName(name)!.id;
  const module = splitOf(original, (b) => {
    const pbar = b.addPtr(id('bar'));
    const popaque = b.addPtr(id('opaque'));
    b.addStruct('m', 40, [
      { name: 'f', typeId: id('foo_t'), bitOffset: 0 },
      { name: 'p', typeId: pbar, bitOffset: 64 },
      { name: 'o', typeId: popaque, bitOffset: 128 },
      { name: 'e', typeId: id('big'), bitOffset: 192 },
      { name: 'i', typeId: id('int'), bitOffset: 256 },
    ]);
  });
  const split = distilled(module);

  /** A target base like the original, with changes. */
  const target = (o: { fooSize?: number; barSize?: number; foos?: number[]; intEnc?: number; opaqueStruct?: boolean }) =>
    baseOf((b) => {
      const int = b.addInt('int', 4, o.intEnc ?? 1);
      for (const size of o.foos ?? [o.fooSize ?? 8]) b.addStruct('foo', size, [{ name: 'a', typeId: int, bitOffset: 0 }]);
      b.addStruct('bar', o.barSize ?? 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
      b.addEnum64('big', 8, [{ name: 'BIG', value: 1n << 40n }]);
      if (o.opaqueStruct) b.addStruct('opaque', 16, []);
      else b.addFwd('opaque');
    });

  it('distils named types into the base and the rest into split', () => {
    const dist = split.base!;
    assert.deepEqual(
      [...dist.types()].map((t) => `${t.kind} ${t.name}`),
      ['int int', 'struct foo', 'struct bar', 'enum big', 'fwd opaque'],
    );
    const foo = dist.typeByName('foo', 'struct')!;
    assert.equal(foo.kind === 'struct' && foo.size, 8);
    assert.equal(foo.kind === 'struct' && foo.members.length, 0);
    const big = dist.typeByName('big')!;
    assert.equal(big.kind === 'enum' && big.size, 8);
    // Own types first, then the typedef the module reaches.
    assert.deepEqual(
      [...split.types()].map((t) => `${t.kind} ${t.name}`),
      ['ptr ', 'ptr ', 'struct m', 'typedef foo_t'],
    );
  });

  it('relocates onto the original base, ENUM onto ENUM64', () => {
    const r = relocate(split, original);
    assert.deepEqual(r.embedded, [split.base!.typeByName('foo')!.id]);
    for (const t of split.base!.types()) assert.equal(original.mustTypeById(r.map[t.id]!).name, t.name);
    r.spec.validate();
  });

  it('ignores the size of a struct used only by pointer', () => {
    const r = relocate(split, target({ barSize: 64 }));
    assert.equal(r.spec.typeByName('m')!.kind, 'struct');
  });

  it('fails on an embedded struct whose size changed', () => {
    assert.throws(() => relocate(split, target({ fooSize: 16 })), relocationError('size', 'foo'));
    assert.throws(() => relocate(split, target({ fooSize: 16 })), /embedded by value.*size 8 bytes/);
  });

  it('picks by size among same-named structs, and fails when two fit', () => {
    const t = target({ foos: [12, 8] });
    const r = relocate(split, t);
    const foo = r.spec.typeByName('foo_t')!;
    assert.equal(foo.kind === 'typedef' && foo.type.kind === 'struct' && foo.type.size, 8);
    assert.throws(() => relocate(split, target({ foos: [8, 8] })), relocationError('ambiguous', 'foo'));
  });

  it('matches ints by encoding and a FWD by a struct of its name', () => {
    assert.throws(() => relocate(split, target({ intEnc: 0 })), relocationError('missing', 'int'));
    const r = relocate(split, target({ opaqueStruct: true }));
    const m = r.spec.typeByName('m')!;
    assert.ok(m.kind === 'struct');
    const o = m.members[2]!.type;
    assert.equal(o.kind === 'ptr' && o.type.kind, 'struct');
  });

  it('names a type missing from the base', () => {
    const t = baseOf((b) => {
      b.addInt('int', 4, 1);
      b.addStruct('foo', 8, []);
    });
    assert.throws(
      () => relocate(split, t),
      (e: unknown) =>
        e instanceof BtfRelocationError && e.fault === 'missing' && /STRUCT 'bar'/.test(e.message) && e.typeId === 3,
    );
  });
});

describe('relocate: bad input', () => {
  const base = baseOf((b) => {
    const int = b.addInt('int', 4, 1);
    b.addPtr(int);
    b.addStruct('', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
  });

  it('rejects a distilled base with reference or anonymous types', () => {
    const onPtr = splitOf(base, (b) => b.addPtr(2));
    const int = baseOf((b) => b.addInt('int', 4, 1));
    assert.throws(
      () => relocate(onPtr, int),
      (e: unknown) => e instanceof BtfError && e.typeId === 2 && /PTR cannot be in distilled base/.test(e.message),
    );
    assert.throws(() => relocate(onPtr, base), /already on this base/);
    const anonBase = loadSpec(encodeBtf({ types: [{ kind: 'struct', size: 4 }] }));
    const onAnon = loadSplitSpec(encodeBtf({ base: anonBase, types: [{ kind: 'ptr', type: 1 }] }), anonBase);
    assert.throws(
      () => relocate(onAnon, int),
      (e: unknown) => e instanceof BtfError && /anonymous STRUCT/.test(e.message),
    );
  });

  it('rejects a distilled base that is split BTF, and base BTF', () => {
    const int = baseOf((b) => b.addInt('int', 4, 1));
    const mid = splitOf(int, (b) => b.addStruct('s', 4, []));
    const top = splitOf(mid, (b) => b.addPtr(2));
    assert.throws(
      () => relocate(top, int),
      (e: unknown) => e instanceof BtfError && /must be base BTF/.test(e.message),
    );
    assert.throws(
      () => relocate(int, int),
      (e: unknown) => e instanceof BtfError && /base BTF/.test(e.message),
    );
  });

  it('rejects a split reference past its last type', () => {
    const dist = baseOf((b) => b.addInt('int', 4, 1));
    const bad = loadSplitSpec(encodeBtf({ base: dist, types: [{ kind: 'ptr', type: 9 }] }), dist);
    assert.throws(
      () => relocate(bad, base),
      (e: unknown) => e instanceof BtfError && e.typeId === 2 && /\[9\]/.test(e.message),
    );
  });

  it('distill rejects a module that reaches a base FUNC', () => {
    const withFunc = baseOf((b) => {
      const proto = b.addFuncProto(0);
      b.addFunc('f', proto);
    });
    const mod = splitOf(withFunc, (b) => b.addDeclTag('tag', 2));
    assert.throws(
      () => distillBase(mod),
      (e: unknown) => e instanceof BtfError && e.typeId === 2 && /FUNC/.test(e.message),
    );
  });
});

describe('relocate across kernels', () => {
  const ks = kernelFixtures();
  const from = ks.find((k) => k.release === 'trixie');
  for (const to of ks.filter((k) => k !== from)) {
    for (const [name, bytes] of from?.modules ?? []) {
      it(`trixie/${name} onto ${to.release}: relocates consistently or names the type that does not match`, (t) => {
        const trixie = loadSpec(from!.vmlinux);
        const targetBase = loadSpec(to.vmlinux);
        const mod = loadSplitSpec(bytes, trixie);
        const split = distilled(mod);
        const dist = split.base!;

        // Independently: the vmlinux structs the module embeds by value.
        const embedded = new Set<string>();
        for (const ty of mod.types()) {
          if (ty.kind !== 'struct' && ty.kind !== 'union') continue;
          for (const m of ty.members) {
            const c = embeddedComposite(m.type);
            if (c && c.id < mod.firstId && c.name !== '') embedded.add(`${c.kind} ${c.name}`);
          }
        }
        const sizeBroken = [...embedded].filter((e) => {
          const [kind, n] = e.split(' ') as [string, string];
          const old = trixie.typesByName(n, kind as 'struct').filter((x) => x.id < mod.firstId);
          const now = targetBase.typesByName(n, kind as 'struct');
          return (
            now.length > 0 &&
            old.every((o) => o.kind === 'struct' || o.kind === 'union') &&
            !now.some(
              (x) =>
                (x.kind === 'struct' || x.kind === 'union') &&
                old.some((o) => (o.kind === 'struct' || o.kind === 'union') && o.size === x.size),
            )
          );
        });

        let result: ReturnType<typeof relocate> | undefined;
        try {
          result = relocate(split, targetBase);
        } catch (e) {
          assert.ok(e instanceof BtfRelocationError, String(e));
          t.diagnostic(`${e.fault}: ${e.message}`);
          const dt = dist.mustTypeById(e.typeId!);
          assert.equal(dt.name, e.typeName);
          const same = targetBase.typesByName(e.typeName).filter((x) => compatibleKinds(dt).includes(x.kind));
          if (e.fault === 'missing') {
            // No type of that name, a compatible kind, the same size (for ints, encoding) exists.
            const sized = (x: Type) => ('size' in x ? x.size : undefined);
            assert.ok(
              same.every(
                (x) =>
                  (sized(x) !== sized(dt) && dt.kind !== 'fwd') ||
                  (dt.kind === 'int' && x.kind === 'int' && x.encoding !== dt.encoding),
              ),
            );
          } else if (e.fault === 'size') {
            assert.ok(dt.kind === 'struct' || dt.kind === 'union');
            assert.ok(same.length > 0);
            assert.ok(same.every((x) => (x.kind === 'struct' || x.kind === 'union') && x.size !== dt.size));
            assert.ok(embedded.has(`${dt.kind} ${dt.name}`) || same.length > 1);
          } else {
            assert.ok(e.candidates.length > 1);
          }
          return;
        }
        // Relocated: every distilled type landed on a same-named type of a compatible kind, and
        // no embedded struct changed size.
        assert.deepEqual(sizeBroken, []);
        for (const dt of dist.types()) {
          const tt = targetBase.mustTypeById(result.map[dt.id]!);
          assert.equal(tt.name, dt.name);
          assert.ok(compatibleKinds(dt).includes(tt.kind));
        }
        result.spec.validate();
      });
    }
  }
});
