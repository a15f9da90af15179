import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alignOf,
  type Enum,
  type Enum64,
  type FuncProto,
  loadSpecFromBytes,
  memberPath,
  resolveType,
  type Struct,
  sizeOf,
  type Type,
} from '../../src/btf/index.js';
import { KINDS_OBJECT, readFixture } from '../fixtures.js';

const spec = loadSpecFromBytes(readFixture(KINDS_OBJECT));

function one<K extends Type['kind']>(name: string, kind: K): Extract<Type, { kind: K }> {
  const found = spec.typesByName(name, kind);
  assert.equal(found.length, 1, `exactly one ${kind} named ${name}`);
  return found[0] as Extract<Type, { kind: K }>;
}

describe('the type model decodes every kind clang emits (test/fixtures/bpf/kinds.bpf.c)', () => {
  test('struct members, bitfields and offsets follow the C declaration', () => {
    const s = one('sample', 'struct');
    assert.equal(s.kindFlag, true, 'bitfields set kind_flag');
    const flags = s.member('flags')!;
    assert.deepEqual([flags.bitOffset, flags.bitfieldSize], [0, 3]);
    assert.deepEqual([s.member('kind')!.bitOffset, s.member('kind')!.bitfieldSize], [3, 5]);
    assert.deepEqual([s.member('signed_bits')!.bitOffset, s.member('signed_bits')!.bitfieldSize], [8, 7]);
    assert.equal(s.member('id')!.bitfieldSize, 0);
    assert.equal(s.member('id')!.bitOffset, 32);
    assert.equal(resolveType(s.member('id')!.type).kind, 'int');
    assert.equal(s.member('wide')!.bitfieldSize, 40);
    const u = s.member('u')!.type;
    assert.equal(u.kind, 'union');
    assert.equal(sizeOf(u), 4);
    assert.equal(memberPath(s, 'u.as_float')!.bitOffset, s.member('u')!.bitOffset);
    const tail = s.member('tail')!.type;
    assert.ok(tail.kind === 'array' && tail.nelems === 0);
    assert.equal(sizeOf(s) % alignOf(s), 0);
  });

  test('qualifiers, typedefs and type tags resolve to the underlying type', () => {
    const s = one('sample', 'struct');
    const cv = s.member('cv')!.type;
    assert.deepEqual([cv.kind, resolveType(cv).kind, resolveType(cv).name], ['const', 'int', 'unsigned short']);
    assert.equal(sizeOf(cv), 2);
    const user = s.member('user_ptr')!.type;
    assert.equal(user.kind, 'ptr');
    const tag = user.kind === 'ptr' ? user.type : user;
    assert.deepEqual([tag.kind, tag.name], ['type_tag', 'user']);
  });

  test('enums keep signedness and 64-bit values exactly', () => {
    const color = one('color', 'enum') as Enum;
    assert.deepEqual(
      color.values.map((v) => [v.name, v.value]),
      [
        ['RED', 0],
        ['GREEN', 2],
        ['BLUE', 0xffffffff],
      ],
    );
    const delta = one('delta', 'enum') as Enum;
    if (delta.signed) assert.equal(delta.values.find((v) => v.name === 'DOWN')!.value, -1);
    const big = spec.typesByName('big').find((t) => t.kind === 'enum64') as Enum64 | undefined;
    if (big) assert.equal(big.values.find((v) => v.name === 'HUGE')!.value, 0x1122334455667788n);
    const bigSigned = spec.typesByName('big_signed').find((t) => t.kind === 'enum64') as Enum64 | undefined;
    if (bigSigned?.signed) assert.equal(bigSigned.values.find((v) => v.name === 'NEG_HUGE')!.value, -0x100000000n);
  });

  test('forward declarations record struct or union', () => {
    assert.equal(one('opaque', 'fwd').fwdKind, 'struct');
    assert.equal(one('opaque_u', 'fwd').fwdKind, 'union');
  });

  test('functions: linkage, prototype, parameters, variadic marker', () => {
    const mix = one('mix', 'func');
    assert.equal(mix.linkage, 'global');
    const proto = mix.proto;
    assert.deepEqual(
      proto.params.map((p) => p.name),
      ['s', 'n', 'v'],
    );
    assert.equal(resolveType(proto.returnType).name, 'int');
    assert.equal(proto.variadic, false);
    assert.equal(one('widen', 'func').linkage, 'static');
    const printfLike = one('printf_like_fn', 'typedef').type;
    assert.equal(printfLike.kind, 'ptr');
    const fp = (printfLike.kind === 'ptr' ? printfLike.type : printfLike) as FuncProto;
    assert.equal(fp.kind, 'func_proto');
    assert.equal(fp.variadic, true);
    assert.equal(fp.params.length, 1);
    assert.equal(fp.rawParams.length, 2);
  });

  test('decl tags point at the declaration or a component', () => {
    const tags = [...spec.types()].filter((t) => t.kind === 'decl_tag');
    const byValue = new Map(tags.map((t) => [t.name, t]));
    const structTag = byValue.get('struct_tag');
    assert.ok(structTag?.kind === 'decl_tag');
    assert.deepEqual([structTag.componentIdx, structTag.type.name], [-1, 'sample']);
    const memberTag = byValue.get('member_tag');
    assert.ok(memberTag?.kind === 'decl_tag');
    assert.equal((memberTag.type as Struct).members[memberTag.componentIdx]!.name, 'id');
    const paramTag = byValue.get('param_tag');
    assert.ok(paramTag?.kind === 'decl_tag' && paramTag.type.kind === 'func');
    assert.equal(paramTag.type.proto.params[paramTag.componentIdx]!.name, 'n');
  });

  test('global variables sit in data sections with their sizes', () => {
    const data = one('.data', 'datasec');
    const names = data.vars.map((v) => spec.typeById(v.typeId)!.name);
    assert.ok(names.includes('counter'));
    const counter = one('counter', 'var');
    assert.equal(counter.linkage, 'global');
    assert.equal(sizeOf(counter), 4);
    assert.equal(one('hidden_static', 'var').linkage, 'static');
    assert.equal(one('double', 'float').size, 8);
    assert.equal(one('float', 'float').size, 4);
  });
});
