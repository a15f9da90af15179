import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { alignOf, Builder, findMember, loadSpec, type Spec, writeC } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { bpftoolMissing, collect, tempFile } from '../fixtures.js';

/**
 * Types nested far deeper than any compiler emits but that the kernel's verifier accepts (each
 * type refers to an earlier ID, so its resolve stack never grows): every walk over them must
 * finish, or fail with a typed error, never overflow the stack.
 */
type Step = (b: Builder, inner: number, int: number, i: number) => number;

const CHAINS: Record<string, Step> = {
  typedef: (b, inner, _int, i) => b.addTypedef(`t${i}`, inner),
  const: (b, inner) => b.addConst(inner),
  'volatile/restrict': (b, inner, _int, i) => (i % 2 ? b.addVolatile(inner) : b.addRestrict(b.addPtr(inner))),
  ptr: (b, inner) => b.addPtr(inner),
  array: (b, inner, int) => b.addArray(inner, int, 1),
  'ptr/array': (b, inner, int, i) => (i % 2 ? b.addPtr(inner) : b.addArray(inner, int, 2)),
  'function returning a pointer to function': (b, inner) => b.addPtr(b.addFuncProto(inner)),
  'named struct': (b, inner, _int, i) => b.addStruct(`s${i}`, 4, [{ name: 'm', typeId: inner, bitOffset: 0 }]),
};

/** A spec with `depth` steps of `step` on top of `int`, ending in `typedef ... top`. */
function deep(step: Step, depth: number): { bytes: Uint8Array; spec: Spec; top: number } {
  const b = new Builder();
  const int = b.addInt('int', 4, 1);
  let cur = int;
  for (let i = 0; i < depth; i++) cur = step(b, cur, int, i);
  const top = b.addTypedef('top', cur);
  const bytes = b.marshal();
  return { bytes, spec: loadSpec(bytes), top };
}

function header(spec: Spec): Buffer {
  return collect((w) => writeC(spec, w));
}

describe('walks over deep type chains finish', () => {
  for (const [name, step] of Object.entries(CHAINS)) {
    // bpftool orders named structs in quadratic time: a shorter chain keeps the test quick.
    const depth = name === 'named struct' ? 5_000 : 20_000;
    test(`format c of a ${depth}-deep ${name} chain equals bpftool's`, { skip: bpftoolMissing() }, () => {
      const { bytes, spec } = deep(step, depth);
      const theirs = execFileSync('bpftool', ['btf', 'dump', 'file', tempFile('deep.btf', bytes), 'format', 'c'], {
        maxBuffer: 1 << 30,
      });
      assert.ok(header(spec).equals(theirs));
    });
  }

  test('100,000-deep arrays and structs: alignment from the library and the C writer', () => {
    for (const name of ['array', 'named struct']) {
      const { spec, top } = deep(CHAINS[name]!, 100_000);
      assert.equal(alignOf(spec.typeById(top)!), 4, name);
      const h = header(spec).toString('latin1');
      // The innermost definition comes first and the typedef of the outermost last.
      if (name === 'array') assert.match(h, /\ntypedef int top(\[1\]){100000};\n\n#ifndef BPF_NO/);
      else assert.match(h, /\nstruct s0 \{\n\tint m;\n\};\n\nstruct s1 \{[\s\S]*\ntypedef struct s99999 top;\n\n#ifndef BPF_NO/);
    }
  });

  test('a member found through 100,000 nested anonymous structs, at the summed offset', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    let cur = b.addStruct('', 8, [
      { name: 'pad', typeId: int, bitOffset: 0 },
      { name: 'needle', typeId: int, bitOffset: 32 },
    ]);
    for (let i = 0; i < 100_000; i++) {
      cur = b.addStruct('', 12, [
        { name: 'x', typeId: int, bitOffset: 0 },
        { name: '', typeId: cur, bitOffset: i % 2 ? 32 : 0 },
      ]);
    }
    const spec = loadSpec(b.marshal());
    const loc = findMember(spec.typeById(cur)!, 'needle');
    assert.equal(loc?.bitOffset, 50_000 * 32 + 32);
    assert.equal(findMember(spec.typeById(cur)!, 'absent'), undefined);
  });

  test('declarations nested inside one another past the bound fail with a BtfError', () => {
    const anonymous: Step = (b, inner) => b.addStruct('', 4, [{ name: 'm', typeId: inner, bitOffset: 0 }]);
    const paramOfParam: Step = (b, inner, int) => b.addPtr(b.addFuncProto(int, [{ name: 'f', typeId: inner }]));
    for (const step of [anonymous, paramOfParam]) {
      const { spec } = deep(step, 20_000);
      assert.throws(
        () => header(spec),
        (err) => err instanceof BtfError && /nest more than \d+ deep/.test(err.message),
      );
    }
  });

  test('declarations nested 400 deep are written as bpftool writes them', { skip: bpftoolMissing() }, () => {
    const anonymous: Step = (b, inner) => b.addStruct('', 4, [{ name: 'm', typeId: inner, bitOffset: 0 }]);
    const { bytes, spec } = deep(anonymous, 400);
    const theirs = execFileSync('bpftool', ['btf', 'dump', 'file', tempFile('nested.btf', bytes), 'format', 'c'], {
      maxBuffer: 1 << 30,
    });
    assert.ok(header(spec).equals(theirs));
  });
});
