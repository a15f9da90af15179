/**
 * The CO-RE engine on BTF built in code: every kind, flavours, anonymous members, bitfields,
 * arrays and flexible arrays, ambiguity, candidate narrowing, the candidate policies, and bad
 * records. Expected values follow from how the types are laid out here (and libbpf's formulas
 * for bitfields), never from the engine's own output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Builder, loadSpec, loadSplitSpec, type Spec } from '../../src/btf/index.js';
import { specCandidateSource } from '../../src/core/candidates.js';
import { CoreReloKind as K } from '../../src/core/relo-kind.js';
import { type CoreOptions, CoreRelocator } from '../../src/core/relocator.js';
import { CoreError } from '../../src/errors.js';

/** The program's BTF: what clang would emit for the local definitions. */
function localBtf() {
  const b = new Builder();
  const int = b.addInt('int', 4, 1);
  const uint = b.addInt('unsigned int', 4);
  const char = b.addInt('char', 1, 2);
  const long = b.addInt('long', 8, 1);
  const comm = b.addArray(char, int, 16);
  const flexArr = b.addArray(uint, int, 0);
  const bits = b.addStruct('', 4, [
    { name: 'a', typeId: uint, bitOffset: 0, bitfieldSize: 3 },
    { name: 'b', typeId: int, bitOffset: 3, bitfieldSize: 5 },
  ]);
  const taskFwdPtr = b.addPtr(0); // patched below through a typedef-free layout: pointer to void is enough locally
  const task = b.addStruct('task___v1', 40, [
    { name: 'pid', typeId: int, bitOffset: 0 },
    { name: 'bits', typeId: bits, bitOffset: 32 },
    { name: 'comm', typeId: comm, bitOffset: 64 },
    { name: 'parent', typeId: taskFwdPtr, bitOffset: 192 },
    { name: 'size', typeId: uint, bitOffset: 256 },
    { name: 'data', typeId: flexArr, bitOffset: 288 },
  ]);
  const gone = b.addStruct('task___old', 16, [
    { name: 'pid', typeId: int, bitOffset: 0 },
    { name: 'gone', typeId: long, bitOffset: 64 },
  ]);
  const state = b.addEnum('state', 4, [
    { name: 'RUNNING', value: 0 },
    { name: 'SLEEPING___x', value: 1 },
    { name: 'ZOMBIE', value: 9 },
  ]);
  const big = b.addEnum64('big___v2', 8, [{ name: 'HUGE', value: 1n }]);
  const alias = b.addTypedef('pid_alias', int);
  const missing = b.addStruct('nowhere', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
  const anon = b.addStruct('', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
  const sizeOnly = b.addStruct('sized', 4, [{ name: 'v', typeId: uint, bitOffset: 0 }]);
  const spec = loadSpec(b.marshal());
  return { spec, int, task, gone, state, big, alias, missing, anon, sizeOnly, bits };
}

/** vmlinux: the same structures as a kernel would lay them out, moved and resized. */
function vmlinuxBtf() {
  const b = new Builder();
  const int = b.addInt('int', 4, 1);
  const uint = b.addInt('unsigned int', 4);
  const char = b.addInt('char', 1, 2);
  const ulong = b.addInt('unsigned long', 8);
  const comm = b.addArray(char, int, 32);
  const flexArr = b.addArray(uint, int, 0);
  const bits = b.addStruct('', 8, [
    { name: 'pad', typeId: int, bitOffset: 0 },
    { name: 'a', typeId: uint, bitOffset: 33, bitfieldSize: 3 },
    { name: 'b', typeId: int, bitOffset: 36, bitfieldSize: 5 },
  ]);
  const ptr = b.addPtr(0);
  // pid moves to 8 inside an anonymous union; comm grows to 32; size becomes 8 bytes unsigned.
  const inner = b.addStruct('', 4, [{ name: 'pid', typeId: int, bitOffset: 0 }]);
  const union = b.addUnion('', 4, [{ name: '', typeId: inner, bitOffset: 0 }]);
  const task = b.addStruct('task', 96, [
    { name: 'flags', typeId: ulong, bitOffset: 0 },
    { name: '', typeId: union, bitOffset: 64 },
    { name: 'bits', typeId: bits, bitOffset: 128 },
    { name: 'comm', typeId: comm, bitOffset: 192 },
    { name: 'parent', typeId: ptr, bitOffset: 448 },
    { name: 'size', typeId: ulong, bitOffset: 512 },
    { name: 'data', typeId: flexArr, bitOffset: 576 },
  ]);
  const state = b.addEnum('state', 4, [
    { name: 'SLEEPING', value: 7 },
    { name: 'RUNNING', value: 3 },
  ]);
  const big = b.addEnum64('big', 8, [{ name: 'HUGE', value: 0x1_0000_0000n }]);
  const alias = b.addTypedef('pid_alias', ulong);
  // A signed int where the local struct has an unsigned one: loads of it cannot change width.
  const sized = b.addStruct('sized', 8, [{ name: 'v', typeId: b.addInt('long', 8, 1), bitOffset: 0 }]);
  return { spec: loadSpec(b.marshal()), task, state, big, alias, sized };
}

function setup(options?: CoreOptions, extra: (base: Spec) => Spec | undefined = () => undefined) {
  const local = localBtf();
  const vm = vmlinuxBtf();
  const mod = extra(vm.spec);
  const source = specCandidateSource([{ name: 'vmlinux', spec: vm.spec }, ...(mod ? [{ name: 'mymod', spec: mod }] : [])]);
  return { local, vm, relocator: new CoreRelocator(local.spec, source, options) };
}

describe('CoreRelocator: field kinds', () => {
  it('finds a member through a flavoured local name and the target’s anonymous members', () => {
    const { local, vm, relocator } = setup();
    const f = relocator.relocate('prog', { insnOff: 16, typeId: local.task, access: '0:0', kind: K.FieldByteOffset }, 3);
    assert.equal(f.insn, 2);
    assert.equal(f.relocation, 3);
    assert.equal(f.kind, 'byte_off');
    assert.equal(f.old, 0n);
    assert.equal(f.new, 8n);
    assert.equal(f.poison, false);
    assert.deepEqual(
      { object: f.target?.object, id: f.target?.id, name: f.target?.name },
      { object: 'vmlinux', id: vm.task, name: 'task' },
    );
    // The target's raw spec goes through the anonymous union and struct: 0:1:0:0.
    assert.match(f.target!.spec, /^<byte_off> \[\d+\] struct task\.pid \(0:1:0:0 @ offset 8\)$/);
    assert.match(f.local.spec, /^<byte_off> \[\d+\] struct task___v1\.pid \(0:0 @ offset 0\)$/);
    assert.equal(f.oldSize, 4);
    assert.equal(f.newSize, 4);
  });

  it('relocates array elements, resized arrays and flexible arrays', () => {
    const { local, relocator } = setup();
    const elem = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:2:3', kind: K.FieldByteOffset }, 0);
    assert.deepEqual([elem.old, elem.new], [8n + 3n, 24n + 3n]);
    const size = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:2', kind: K.FieldByteSize }, 1);
    assert.deepEqual([size.old, size.new], [16n, 32n]);
    // Index 20 is beyond the local char[16]: a malformed record.
    assert.throws(
      () => relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:2:20', kind: K.FieldByteOffset }, 2),
      CoreError,
    );
    // A flexible array may be indexed anywhere, locally and in the target.
    const flex = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:5:7', kind: K.FieldByteOffset }, 3);
    assert.deepEqual([flex.old, flex.new], [36n + 28n, 72n + 28n]);
    // p[1] on the root: the whole struct's size is the stride.
    const second = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '1:0', kind: K.FieldByteOffset }, 4);
    assert.deepEqual([second.old, second.new], [40n, 96n + 8n]);
  });

  it('computes bitfield loads, shifts and signedness as libbpf does', () => {
    const { local, relocator } = setup();
    const r = (access: string, kind: number) => relocator.relocate('p', { insnOff: 0, typeId: local.task, access, kind }, 0);
    // Target 'b': bits 128+36 = 164, 5 wide, int (4 bytes): the aligned 4-byte word at byte 20
    // (bits 160..191) holds it; lshift = 64 - (164 + 5 - 160) = 55, rshift = 64 - 5 = 59.
    assert.equal(r('0:1:1', K.FieldByteOffset).new, 20n);
    assert.equal(r('0:1:1', K.FieldByteSize).new, 4n);
    assert.equal(r('0:1:1', K.FieldLshiftU64).new, 55n);
    assert.equal(r('0:1:1', K.FieldRshiftU64).new, 59n);
    assert.equal(r('0:1:1', K.FieldSigned).new, 1n);
    assert.equal(r('0:1:0', K.FieldSigned).new, 0n);
    // Locally 'b' is at bits 35..39 of a 4-byte word at 4: lshift 64 - (35 + 5 - 32) = 56.
    assert.equal(r('0:1:1', K.FieldLshiftU64).old, 56n);
    // Bitfield offsets are not checked against the instruction; shifts right and signedness are.
    assert.equal(r('0:1:1', K.FieldByteOffset).validate, false);
    assert.equal(r('0:1:1', K.FieldRshiftU64).validate, true);
  });

  it('lets loads follow a field that grew only between unsigned integers (or pointers)', () => {
    const { local, relocator } = setup();
    const size = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:4', kind: K.FieldByteOffset }, 0);
    assert.deepEqual([size.old, size.new, size.oldSize, size.newSize, size.unsafeSizeChange], [32n, 64n, 4, 8, false]);
    const parent = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:3', kind: K.FieldByteOffset }, 1);
    assert.deepEqual([parent.oldSize, parent.newSize, parent.unsafeSizeChange], [8, 8, false]);
    const signed = relocator.relocate('p', { insnOff: 0, typeId: local.sizeOnly, access: '0:0', kind: K.FieldByteOffset }, 2);
    assert.deepEqual([signed.oldSize, signed.newSize, signed.unsafeSizeChange, signed.poison], [4, 8, true, false]);
  });

  it('gives field_exists 0 and poisons other kinds when no candidate has the field', () => {
    const { local, relocator } = setup();
    const exists = relocator.relocate('p', { insnOff: 8, typeId: local.gone, access: '0:1', kind: K.FieldExists }, 0);
    assert.deepEqual([exists.old, exists.new, exists.poison, exists.target], [1n, 0n, false, null]);
    assert.equal(exists.candidates.length, 1);
    assert.equal(exists.candidates[0]!.matched, false);
    const off = relocator.relocate('p', { insnOff: 8, typeId: local.gone, access: '0:1', kind: K.FieldByteOffset }, 1);
    assert.equal(off.poison, true);
    assert.equal(off.target, null);
    assert.match(off.reason, /poisoned/);
    const nowhere = relocator.relocate('p', { insnOff: 8, typeId: local.missing, access: '0:0', kind: K.FieldByteOffset }, 2);
    assert.equal(nowhere.poison, true);
    assert.deepEqual(nowhere.candidates, []);
    assert.match(nowhere.reason, /no type named nowhere/);
  });
});

describe('CoreRelocator: type and enum kinds', () => {
  it('answers type_exists, type_size, type_matches, local and target type IDs', () => {
    const { local, vm, relocator } = setup();
    const r = (typeId: number, kind: number) => relocator.relocate('p', { insnOff: 0, typeId, access: '0', kind }, 0);
    assert.equal(r(local.alias, K.TypeExists).new, 1n);
    assert.deepEqual([r(local.alias, K.TypeSize).old, r(local.alias, K.TypeSize).new], [4n, 8n]);
    assert.equal(r(local.alias, K.TypeIdTarget).new, BigInt(vm.alias));
    assert.equal(r(local.alias, K.TypeIdTarget).validate, false);
    assert.equal(r(local.task, K.TypeIdLocal).new, BigInt(local.task));
    // 'int' and 'unsigned long' have different names: not a match; task___v1 has members the
    // kernel's task lacks ('gone' is in task___old only) — task matches, task___old does not.
    assert.equal(r(local.alias, K.TypeMatches).new, 0n);
    assert.equal(r(local.gone, K.TypeMatches).new, 0n);
    assert.equal(r(local.missing, K.TypeExists).new, 0n);
    assert.equal(r(local.missing, K.TypeSize).new, 0n);
    assert.equal(r(local.missing, K.TypeSize).poison, false);
  });

  it('matches enumerators by essential name, enum and enum64 alike', () => {
    const { local, relocator } = setup();
    const r = (typeId: number, access: string, kind: number) => relocator.relocate('p', { insnOff: 0, typeId, access, kind }, 0);
    assert.deepEqual([r(local.state, '1', K.EnumvalValue).old, r(local.state, '1', K.EnumvalValue).new], [1n, 7n]);
    assert.equal(r(local.state, '0', K.EnumvalValue).new, 3n);
    assert.equal(r(local.state, '2', K.EnumvalExists).new, 0n);
    assert.equal(r(local.state, '2', K.EnumvalValue).poison, true);
    assert.equal(r(local.big, '0', K.EnumvalValue).new, 0x1_0000_0000n);
  });
});

describe('CoreRelocator: candidates', () => {
  /** A module with its own flavour of task, laid out differently. */
  function withModule(base: Spec): Spec {
    const b = new Builder({ base });
    const int = base.typeByName('int')!.id;
    b.addStruct('task___mod', 8, [
      { name: 'other', typeId: int, bitOffset: 0 },
      { name: 'pid', typeId: int, bitOffset: 32 },
    ]);
    b.addStruct('modonly', 8, [{ name: 'x', typeId: int, bitOffset: 32 }]);
    return loadSplitSpec(b.marshal(), base);
  }

  it("searches modules only when vmlinux has no candidate (libbpf's rule, the default)", () => {
    const { local, relocator } = setup(undefined, withModule);
    const f = relocator.relocate('p', { insnOff: 0, typeId: local.task, access: '0:0', kind: K.FieldByteOffset }, 0);
    assert.deepEqual(
      f.candidates.map((c) => c.object),
      ['vmlinux'],
    );
    assert.equal(f.new, 8n);
  });

  it('with candidates: "all", a module flavour that disagrees makes the relocation ambiguous, naming both', () => {
    const { local, relocator } = setup({ candidates: 'all' }, withModule);
    assert.throws(
      () => relocator.relocate('prog', { insnOff: 24, typeId: local.task, access: '0:0', kind: K.FieldByteOffset }, 5),
      (err: unknown) =>
        err instanceof CoreError &&
        err.program === 'prog' &&
        err.relocation === 5 &&
        err.insn === 3 &&
        /^program prog: relocation #5: insn 3: /.test(err.message) &&
        /vmlinux \[\d+\] struct task/.test(err.message) &&
        /mymod \[\d+\] struct task___mod/.test(err.message),
    );
  });

  it('narrows the candidates of a local type to those that matched earlier relocations', () => {
    // Two vmlinux flavours of 'pair': only pair___b has 'y'; they disagree on where 'x' is.
    const lb = new Builder();
    const lint = lb.addInt('int', 4, 1);
    const pair = lb.addStruct('pair', 8, [
      { name: 'x', typeId: lint, bitOffset: 0 },
      { name: 'y', typeId: lint, bitOffset: 32 },
    ]);
    const localSpec = loadSpec(lb.marshal());
    const vb = new Builder();
    const vint = vb.addInt('int', 4, 1);
    vb.addStruct('pair___a', 8, [{ name: 'x', typeId: vint, bitOffset: 32 }]);
    const b = vb.addStruct('pair___b', 8, [
      { name: 'x', typeId: vint, bitOffset: 0 },
      { name: 'y', typeId: vint, bitOffset: 32 },
    ]);
    const source = specCandidateSource([{ name: 'vmlinux', spec: loadSpec(vb.marshal()) }]);
    const x = { insnOff: 0, typeId: pair, access: '0:0', kind: K.FieldByteOffset };
    const y = { insnOff: 8, typeId: pair, access: '0:1', kind: K.FieldByteOffset };
    // x first: both candidates match and disagree.
    assert.throws(() => new CoreRelocator(localSpec, source).relocate('p', x, 0), CoreError);
    // y first: only pair___b matches, and x then sees only pair___b.
    const r = new CoreRelocator(localSpec, source);
    const fy = r.relocate('p', y, 0);
    assert.deepEqual(
      fy.candidates.map((c) => c.matched),
      [false, true],
    );
    const fx = r.relocate('p', x, 1);
    assert.deepEqual(
      fx.candidates.map((c) => c.id),
      [b],
    );
    assert.equal(fx.new, 0n);
    // A relocation that matches nothing leaves the list alone.
    const z = r.relocate('p', { insnOff: 0, typeId: pair, access: '0:1', kind: K.FieldExists }, 2);
    assert.equal(z.new, 1n);
  });

  it('finds module-only types, and target_type_id of one is its module ID, or poison when asked', () => {
    const lb = new Builder();
    const lint = lb.addInt('int', 4, 1);
    const mo = lb.addStruct('modonly', 8, [{ name: 'x', typeId: lint, bitOffset: 0 }]);
    const localSpec = loadSpec(lb.marshal());
    const vm = vmlinuxBtf();
    const mod = withModule(vm.spec);
    const source = specCandidateSource([
      { name: 'vmlinux', spec: vm.spec },
      { name: 'mymod', spec: mod },
    ]);
    const expected = mod.typeByName('modonly')!.id;
    assert.ok(expected >= mod.firstId);
    const f = new CoreRelocator(localSpec, source).relocate(
      'p',
      { insnOff: 0, typeId: mo, access: '0', kind: K.TypeIdTarget },
      0,
    );
    assert.deepEqual([f.target?.object, f.target?.id, f.new, f.poison], ['mymod', expected, BigInt(expected), false]);
    const off = new CoreRelocator(localSpec, source).relocate(
      'p',
      { insnOff: 0, typeId: mo, access: '0:0', kind: K.FieldByteOffset },
      0,
    );
    assert.equal(off.new, 4n);
    const poisoned = new CoreRelocator(localSpec, source, { moduleTypeIds: 'poison' }).relocate(
      'p',
      { insnOff: 0, typeId: mo, access: '0', kind: K.TypeIdTarget },
      0,
    );
    assert.equal(poisoned.poison, true);
    assert.equal(poisoned.target?.object, 'mymod');
  });
});

describe('CoreRelocator: bad records', () => {
  it('names program, relocation and instruction in every error', () => {
    const { local, relocator } = setup();
    const bad: [number, string, number, number][] = [
      [local.task, '', K.FieldByteOffset, 0],
      [local.task, ':0', K.FieldByteOffset, 8],
      [local.task, '0:x', K.FieldByteOffset, 8],
      [local.task, '0:99', K.FieldByteOffset, 8],
      [local.task, '0:0:1', K.FieldByteOffset, 8],
      [local.task, '0:1', K.TypeExists, 8],
      [local.task, '0:0', 13, 8],
      [local.state, '5', K.EnumvalValue, 8],
      [local.task, '0', K.EnumvalValue, 8],
      [99999, '0:0', K.FieldByteOffset, 8],
      [local.anon, '0:0', K.FieldByteOffset, 8],
      [local.task, '0:2:1', K.FieldLshiftU64, 8],
      [local.task, '0:0', K.FieldByteOffset, 4],
    ];
    for (const [typeId, access, kind, insnOff] of bad) {
      assert.throws(
        () => relocator.relocate('prog', { insnOff, typeId, access, kind }, 7),
        (err: unknown) =>
          err instanceof CoreError &&
          err.program === 'prog' &&
          err.relocation === 7 &&
          /^program prog: relocation #7: /.test(err.message),
        `${typeId} ${access} ${kind}`,
      );
    }
  });
});
