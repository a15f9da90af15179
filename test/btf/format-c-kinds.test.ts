import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CKind } from '../../src/btf/format/c-kinds.js';
import { Kind } from '../../src/btf/kinds.js';

test('the C writer kind numbers are the wire kind numbers', () => {
  const pairs: [string, number, number][] = [
    ['Int', CKind.Int, Kind.Int],
    ['Ptr', CKind.Ptr, Kind.Ptr],
    ['Array', CKind.Array, Kind.Array],
    ['Struct', CKind.Struct, Kind.Struct],
    ['Union', CKind.Union, Kind.Union],
    ['Enum', CKind.Enum, Kind.Enum],
    ['Fwd', CKind.Fwd, Kind.Fwd],
    ['Typedef', CKind.Typedef, Kind.Typedef],
    ['Volatile', CKind.Volatile, Kind.Volatile],
    ['Const', CKind.Const, Kind.Const],
    ['Restrict', CKind.Restrict, Kind.Restrict],
    ['Func', CKind.Func, Kind.Func],
    ['FuncProto', CKind.FuncProto, Kind.FuncProto],
    ['Var', CKind.Var, Kind.Var],
    ['Datasec', CKind.Datasec, Kind.Datasec],
    ['Float', CKind.Float, Kind.Float],
    ['DeclTag', CKind.DeclTag, Kind.DeclTag],
    ['TypeTag', CKind.TypeTag, Kind.TypeTag],
    ['Enum64', CKind.Enum64, Kind.Enum64],
  ];
  for (const [name, ours, wire] of pairs) assert.equal(ours, wire, name);
  // Every wire kind but Unknown is listed.
  assert.equal(pairs.length, Object.keys(Kind).length - 1);
});
