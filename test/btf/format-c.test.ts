import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Builder, formatC, loadSpecFromBytes, type Spec, writeC } from '../../src/btf/index.js';
import { cli } from '../cli/run.js';
import { bpftoolMissing, collect, HOST_VMLINUX, have, KINDS_OBJECT, kernelFixtures, readFixture, tempFile } from '../fixtures.js';

/** bpftool's C header for `file` (with `-B base` for split BTF). */
function bpftoolC(file: string, base?: string): Buffer {
  const args = [...(base ? ['-B', base] : []), 'btf', 'dump', 'file', file, 'format', 'c'];
  return execFileSync('bpftool', args, { maxBuffer: 1 << 30 });
}

function ours(spec: Spec): Buffer {
  return collect((w) => writeC(spec, w));
}

/** Asserts byte equality, reporting the first differing line rather than two huge buffers. */
function assertSameHeader(mine: Buffer, theirs: Buffer, what: string): void {
  if (mine.equals(theirs)) return;
  const a = mine.toString('latin1').split('\n');
  const b = theirs.toString('latin1').split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  assert.fail(`${what}: headers differ at line ${i + 1}:\n  tsbpf:   ${a[i]}\n  bpftool: ${b[i]}`);
}

/**
 * A spec made to hit the corners of the C writer: duplicate names, packed and padded layouts,
 * bitfields, nested declarators, pointer cycles, compiler built-ins, 64-bit enums, and kinds that
 * have no C definition.
 */
function cornerCases(): Uint8Array {
  const b = new Builder();
  const int = b.addInt('int', 4, 1);
  const char = b.addInt('char', 1, 1);
  const long = b.addInt('long int', 8, 1);
  const ulong = b.addInt('long unsigned int', 8);
  const short = b.addInt('short int', 2, 1);

  // Two structs and two typedefs of one name; a forward declaration of the name too.
  const dup1 = b.addStruct('dup', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
  const dup2 = b.addStruct('dup', 8, [{ name: 'y', typeId: long, bitOffset: 0 }]);
  const dupT1 = b.addTypedef('dup_t', dup1);
  const dupT2 = b.addTypedef('dup_t', dup2);
  b.addStruct('user', 24, [
    { name: 'a', typeId: dupT1, bitOffset: 0 },
    { name: 'b', typeId: dupT2, bitOffset: 64 },
    { name: 'c', typeId: dup2, bitOffset: 128 },
  ]);
  b.addStruct('holder', 8, [{ name: 'f', typeId: b.addPtr(b.addFwd('dup')), bitOffset: 0 }]);
  b.addUnion('dup', 4, [{ name: 'z', typeId: int, bitOffset: 0 }]);

  // Enumerators share a namespace with typedef names; a top-level and an inline anonymous enum.
  b.addEnum('e1', 4, [
    { name: 'A', value: 0 },
    { name: 'B', value: 1 },
  ]);
  b.addEnum(
    'e2',
    4,
    [
      { name: 'A', value: 5 },
      { name: 'C', value: -1 },
    ],
    true,
  );
  const typedefC = b.addTypedef('C', int);
  b.addEnum('', 4, [{ name: 'TOP_LEVEL', value: 0xffffffff }]);
  const inlineEnum = b.addEnum('', 4, [
    { name: 'IN_0', value: 0 },
    { name: 'IN_1', value: 1 },
  ]);
  b.addStruct('with_enum', 8, [
    { name: 'kind', typeId: inlineEnum, bitOffset: 0 },
    { name: 'c', typeId: typedefC, bitOffset: 32 },
  ]);
  b.addEnum('small', 1, [{ name: 'SMALL_ONE', value: 1 }]);
  b.addEnum('wide', 8, [{ name: 'WIDE_ONE', value: 1 }]);
  b.addEnum64(
    'big',
    8,
    [
      { name: 'BIG_NEG', value: -(2n ** 40n) },
      { name: 'BIG_ONE', value: 1 },
    ],
    true,
  );
  b.addEnum64('ubig', 8, [{ name: 'UBIG_MAX', value: 2n ** 64n - 1n }]);
  b.addEnum64('small64', 8, [{ name: 'SMALL64', value: 7 }]);
  b.addEnum('opaque_enum', 4);

  // Layouts: packed, bitfields with holes, trailing padding, a gap a long cannot fill.
  b.addStruct('packed_s', 5, [
    { name: 'a', typeId: char, bitOffset: 0 },
    { name: 'b', typeId: int, bitOffset: 8 },
  ]);
  b.addStruct('bits', 32, [
    { name: 'a', typeId: int, bitOffset: 0, bitfieldSize: 3 },
    { name: 'b', typeId: int, bitOffset: 40, bitfieldSize: 4 },
    { name: 'c', typeId: long, bitOffset: 128 },
  ]);
  b.addStruct('holes', 40, [
    { name: 'a', typeId: char, bitOffset: 0 },
    { name: 'b', typeId: short, bitOffset: 24 },
    { name: 'c', typeId: char, bitOffset: 256 },
  ]);
  b.addStruct('empty', 0);
  b.addStruct('only_pad', 16);
  b.addUnion('u', 8, [
    { name: 'l', typeId: ulong, bitOffset: 0 },
    {
      name: 'anon',
      typeId: b.addStruct('', 8, [
        { name: 'lo', typeId: int, bitOffset: 0 },
        { name: 'nested', typeId: b.addUnion('', 4, [{ name: 'n', typeId: int, bitOffset: 0 }]), bitOffset: 32 },
      ]),
      bitOffset: 0,
    },
  ]);

  // Declarators: int *(*(*fp[4])(char, ...))[3]; const and volatile on pointers and functions.
  const intPtr = b.addPtr(int);
  const arr3 = b.addArray(intPtr, int, 3);
  const proto = b.addFuncProto(b.addPtr(arr3), [
    { name: '', typeId: char },
    { name: '', typeId: 0 },
  ]);
  const fp = b.addPtr(proto);
  const noArgs = b.addFuncProto(0, []);
  const voidArg = b.addFuncProto(int, [{ name: '', typeId: 0 }]);
  const named = b.addFuncProto(long, [
    { name: 'first', typeId: b.addConst(b.addPtr(b.addConst(char))) },
    { name: 'second', typeId: b.addRestrict(intPtr) },
  ]);
  const matrix = b.addArray(b.addArray(int, int, 3), int, 2);
  b.addStruct('decls', 136, [
    { name: 'fp', typeId: b.addArray(fp, int, 4), bitOffset: 0 },
    { name: 'cfp', typeId: b.addConst(fp), bitOffset: 256 },
    { name: 'vfp', typeId: b.addPtr(b.addVolatile(proto)), bitOffset: 320 },
    { name: 'none', typeId: b.addPtr(noArgs), bitOffset: 384 },
    { name: 'void_arg', typeId: b.addPtr(voidArg), bitOffset: 448 },
    { name: 'named', typeId: b.addPtr(named), bitOffset: 512 },
    { name: 'm', typeId: matrix, bitOffset: 576 },
    { name: 'pm', typeId: b.addPtr(matrix), bitOffset: 768 },
    { name: 'cv', typeId: b.addConst(b.addVolatile(short)), bitOffset: 832 },
    { name: 'ca', typeId: b.addConst(b.addArray(char, int, 6)), bitOffset: 848 },
    { name: 'ppv', typeId: b.addPtr(b.addPtr(b.addConst(0))), bitOffset: 896 },
    { name: 'tagged', typeId: b.addPtr(b.addTypeTag('user', int)), bitOffset: 960 },
    {
      name: 'arr_ptrs',
      typeId: b.addArray(b.addPtr(b.addStruct('', 4, [{ name: 'q', typeId: int, bitOffset: 0 }])), int, 0),
      bitOffset: 1024,
    },
  ]);

  // Cycles through pointers: forward declarations, and a typedef reached through a pointer.
  const aId = b.nextId;
  const bId = aId + 1;
  b.addStruct('a', 8, [{ name: 'b', typeId: bId + 1, bitOffset: 0 }]);
  b.addStruct('b', 8, [{ name: 'a', typeId: aId, bitOffset: 0 }]);
  b.addPtr(bId);
  const nodeId = b.nextId;
  b.addStruct('node', 8, [{ name: 'next', typeId: nodeId + 2, bitOffset: 0 }]);
  b.addTypedef('node_t', nodeId);
  b.addPtr(nodeId + 1);

  // Compiler built-ins.
  const vaList = b.addTypedef('__builtin_va_list', b.addPtr(char));
  b.addTypedef('__gnuc_va_list', 0);
  const poly = b.addInt('__Poly8_t', 1);
  b.addStruct('builtins', 16, [
    { name: 'ap', typeId: vaList, bitOffset: 0 },
    { name: 'p', typeId: poly, bitOffset: 64 },
  ]);

  // Kinds without a C definition of their own.
  const flt = b.addFloat('double', 8);
  const withFloat = b.addStruct('with_float', 8, [{ name: 'd', typeId: flt, bitOffset: 0 }]);
  b.addDeclTag('a_tag', withFloat);
  b.addDeclTag('member_tag', withFloat, 0);
  const fn = b.addFunc('some_func', b.addFuncProto(int, [{ name: 'x', typeId: withFloat }]), 'global');
  b.addDeclTag('func_tag', fn);
  const v = b.addVar('some_var', int, 'global');
  b.addDatasec('.data', 4, [{ typeId: v, offset: 0, size: 4 }]);
  const anonMap = b.addStruct('', 8, [{ name: 'key', typeId: intPtr, bitOffset: 0 }]);
  b.addVar('a_map', anonMap, 'global');
  return b.marshal();
}

describe('C header is byte-identical to bpftool', { skip: bpftoolMissing() }, () => {
  test('a clang-compiled BPF object', () => {
    assertSameHeader(ours(loadSpecFromBytes(readFixture(KINDS_OBJECT))), bpftoolC(KINDS_OBJECT), KINDS_OBJECT);
  });

  test('hand-made corner cases', () => {
    const bytes = cornerCases();
    const text = formatC(loadSpecFromBytes(bytes));
    assertSameHeader(Buffer.from(text, 'latin1'), bpftoolC(tempFile('corner-cases.btf', bytes)), 'corner cases');
    // The cases do reach what they are meant to.
    for (const needle of [
      'struct dup___2 {',
      'typedef struct dup___2 dup_t___2;',
      'union dup___3 {',
      'A___2 = 5,',
      '__attribute__((packed))',
      'long: 0;',
      'int *(* (*fp[4])(char, ...))[3];',
      'void (*none)(void);',
      'struct b;\n',
      'typedef __builtin_va_list __gnuc_va_list;',
      'typedef unsigned char __Poly8_t;',
      'BIG_NEG = -1099511627776LL,',
    ]) {
      assert.ok(text.includes(needle), `the corner-case header lacks ${JSON.stringify(needle)}`);
    }
  });

  test('the host kernel vmlinux', { skip: existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent` }, () => {
    assertSameHeader(ours(loadSpecFromBytes(readFixture(HOST_VMLINUX))), bpftoolC(HOST_VMLINUX), HOST_VMLINUX);
  });

  const kernels = kernelFixtures();
  test('kernel fixtures are present', () => {
    assert.ok(kernels.length >= 2, `expected Debian kernel fixtures under test/fixtures/kernels, found ${kernels.length}`);
  });
  for (const k of kernels) {
    test(`${k.release} vmlinux`, () => {
      const file = tempFile(`${k.release}-vmlinux`, k.vmlinux);
      assertSameHeader(ours(loadSpecFromBytes(k.vmlinux)), bpftoolC(file), file);
    });
    test(`${k.release} modules, split on vmlinux`, () => {
      const base = tempFile(`${k.release}-vmlinux`, k.vmlinux);
      const vmlinux = loadSpecFromBytes(k.vmlinux);
      const modules = [...k.modules];
      const ko = join(k.dir, 'veth.ko.br');
      if (existsSync(ko)) modules.push(['veth.ko', readFixture(ko)]);
      for (const [name, bytes] of modules) {
        const file = tempFile(`${k.release}-${name}`, bytes);
        assertSameHeader(ours(loadSpecFromBytes(bytes, vmlinux)), bpftoolC(file, base), file);
      }
    });
  }
});

describe('the C header compiles', () => {
  const clang = have('clang') ? undefined : 'clang is not installed';
  test('host vmlinux header, with clang -target bpf', {
    skip: clang ?? (existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent`),
  }, () => {
    const header = ours(loadSpecFromBytes(readFixture(HOST_VMLINUX)));
    const source = Buffer.concat([header, Buffer.from('int probe(struct task_struct *t) { return t->pid; }\n')]);
    const r = spawnSync('clang', ['-target', 'bpf', '-O2', '-g', '-c', '-x', 'c', '-', '-o', '/dev/null'], { input: source });
    assert.equal(r.status, 0, `clang failed:\n${r.stderr.toString().slice(0, 2000)}`);
  });
  test('corner-case header, with clang -target bpf', { skip: clang }, () => {
    const r = spawnSync('clang', ['-target', 'bpf', '-fsyntax-only', '-x', 'c', '-'], {
      input: formatC(loadSpecFromBytes(cornerCases())),
    });
    assert.equal(r.status, 0, `clang failed:\n${r.stderr.toString().slice(0, 2000)}`);
  });
});

describe('tsbpf btf dump ... format c', () => {
  test('prints the header', { skip: bpftoolMissing() }, async () => {
    const r = await cli('btf', 'dump', 'file', KINDS_OBJECT, 'format', 'c');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, bpftoolC(KINDS_OBJECT).toString());
  });
});
