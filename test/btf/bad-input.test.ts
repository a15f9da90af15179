import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec, loadSpecFromBytes, loadSplitSpec, type Spec } from '../../src/btf/index.js';
import { BtfError, ElfError } from '../../src/errors.js';
import { KINDS_OBJECT, readFixture } from '../fixtures.js';
import { encodeBtf, type RawType } from './encode.js';

const INT: RawType = { kind: 'int', name: 'int', size: 4, encoding: 1, bits: 32 };

/** Opens and fully validates; returns the error thrown. */
function fault(bytes: Uint8Array): BtfError {
  try {
    loadSpec(bytes).validate();
  } catch (err) {
    assert.ok(err instanceof BtfError, `expected BtfError, got ${String(err)}`);
    return err;
  }
  assert.fail('the blob was accepted');
}

describe('malformed BTF gives a BtfError naming where', () => {
  test('a blob too short for a header', () => {
    assert.match(fault(new Uint8Array(5)).message, /too short/);
  });

  test('bad magic', () => {
    const b = encodeBtf({ types: [INT] });
    b[0] = 0x12;
    const e = fault(b);
    assert.equal(e.offset, 0);
    assert.match(e.message, /bad magic/);
  });

  test('bad version', () => {
    const b = encodeBtf({ types: [INT] });
    b[2] = 2;
    assert.equal(fault(b).offset, 2);
  });

  test('a header length past the blob', () => {
    const b = encodeBtf({ types: [INT] });
    new DataView(b.buffer).setUint32(4, 1000, true);
    assert.match(fault(b).message, /header length 1000 overruns/);
  });

  test('non-zero header bytes this library does not know', () => {
    const b = encodeBtf({ types: [INT], hdrLen: 40 });
    b[36] = 1;
    assert.equal(fault(b).offset, 36);
  });

  test('a string section that overruns the blob', () => {
    const b = encodeBtf({ types: [INT] });
    new DataView(b.buffer).setUint32(20, 9999, true);
    assert.match(fault(b).message, /string section .* overruns/);
  });

  test('a truncated blob', () => {
    const b = encodeBtf({ types: [INT, { kind: 'ptr', type: 1 }] });
    assert.match(fault(b.subarray(0, b.length - 10)).message, /overruns/);
  });

  test('overlapping sections', () => {
    const b = encodeBtf({ types: [INT] });
    new DataView(b.buffer).setUint32(16, 8, true); // strings start inside the type section
    assert.match(fault(b).message, /overlap|overruns/);
  });

  test('a string section without its final NUL', () => {
    const b = encodeBtf({ types: [INT] });
    b[b.length - 1] = 0x41;
    assert.match(fault(b).message, /not NUL-terminated/);
  });

  test('an unknown kind', () => {
    const e = fault(encodeBtf({ types: [INT, { kind: 25, type: 0 }] }));
    assert.equal(e.typeId, 2);
    assert.match(e.message, /unknown kind 25/);
  });

  test('a vlen that runs past the type section', () => {
    const e = fault(encodeBtf({ types: [INT, { kind: 'struct', name: 's', size: 4, vlen: 1000 }] }));
    assert.equal(e.typeId, 2);
    assert.match(e.message, /vlen 1000\) overruns/);
  });

  test('a name offset out of range', () => {
    const e = fault(encodeBtf({ types: [{ ...INT, nameOff: 5000 }] }));
    assert.deepEqual([e.typeId, /name offset 5000 is out of range/.test(e.message)], [1, true]);
  });

  test('a referenced type ID out of range', () => {
    const e = fault(encodeBtf({ types: [INT, { kind: 'ptr', type: 7 }] }));
    assert.equal(e.typeId, 2);
    assert.match(e.message, /references type \[7\]/);
  });

  test('a pointer to itself', () => {
    const e = fault(encodeBtf({ types: [{ kind: 'ptr', type: 1 }] }));
    assert.match(e.message, /reference loop/);
  });

  test('a loop of typedefs and qualifiers', () => {
    const e = fault(
      encodeBtf({
        types: [
          { kind: 'typedef', name: 'a', type: 2 },
          { kind: 'const', type: 3 },
          { kind: 'volatile', type: 1 },
        ],
      }),
    );
    assert.match(e.message, /reference loop/);
  });

  test('a struct that contains itself by value, through a typedef and an array', () => {
    const e = fault(
      encodeBtf({
        types: [
          INT,
          { kind: 'struct', name: 's', size: 8, members: [{ name: 'a', type: 3, offset: 0 }] },
          { kind: 'typedef', name: 's_t', type: 4 },
          { kind: 'array', extra: [2, 1, 1] },
        ],
      }),
    );
    assert.match(e.message, /contains itself by value/);
  });

  test('a linked list (struct with a pointer to itself) is fine', () => {
    loadSpec(
      encodeBtf({
        types: [
          { kind: 'struct', name: 'node', size: 8, members: [{ name: 'next', type: 2, offset: 0 }] },
          { kind: 'ptr', type: 1 },
        ],
      }),
    ).validate();
  });

  test('an INT whose bits exceed its size', () => {
    const e = fault(encodeBtf({ types: [{ ...INT, bits: 64 }] }));
    assert.match(e.message, /exceed 32 bits/);
  });

  test('a FUNC whose type is not a FUNC_PROTO', () => {
    const e = fault(encodeBtf({ types: [INT, { kind: 'func', name: 'f', type: 1 }] }));
    assert.match(e.message, /not a FUNC_PROTO/);
  });

  test('a decl tag whose component index is out of range', () => {
    const e = fault(
      encodeBtf({
        types: [
          INT,
          { kind: 'struct', name: 's', size: 4, members: [{ name: 'a', type: 1, offset: 0 }] },
          { kind: 'decl_tag', name: 'tag', type: 2, extra: [3] },
        ],
      }),
    );
    assert.match(e.message, /component_idx 3 is out of range/);
  });

  test('split BTF given no base', () => {
    const base = loadSpec(encodeBtf({ types: [INT] }));
    const split = encodeBtf({
      base,
      types: [
        { kind: 'ptr', type: 1 },
        { kind: 'typedef', name: 'intp', type: 2 },
      ],
    });
    assert.match(fault(split).message, /split BTF/);
  });

  test('split BTF given the wrong base', () => {
    const right = loadSpec(encodeBtf({ types: [INT, { kind: 'typedef', name: 'my_int_type', type: 1 }] }));
    const split = encodeBtf({ base: right, types: [{ kind: 'typedef', name: 'other', type: 2 }] });
    const wrong = loadSpec(encodeBtf({ types: [INT] }));
    assert.throws(() => loadSplitSpec(split, wrong).validate(), BtfError);
  });

  test('an ELF file without .BTF', () => {
    assert.throws(() => loadSpecFromBytes(readFixture('/proc/self/exe')), ElfError);
  });

  test('every error message leads with the type or offset', () => {
    const e = fault(encodeBtf({ types: [INT, { kind: 'ptr', type: 7 }] }));
    assert.match(e.message, /^type \[2\] at offset \d+: /);
  });
});

describe('well-formed input the parser must accept', () => {
  test('a big-endian object reads the same as its little-endian twin', () => {
    const types: RawType[] = [
      INT,
      {
        kind: 'struct',
        name: 'pair',
        size: 8,
        members: [
          { name: 'a', type: 1, offset: 0 },
          { name: 'b', type: 1, offset: 32 },
        ],
      },
      { kind: 'enum', name: 'e', size: 4, values: [{ name: 'E', val: 0xfffffffe }] },
    ];
    const le = loadSpec(encodeBtf({ types }));
    const be = loadSpec(encodeBtf({ types, littleEndian: false }));
    assert.equal(be.littleEndian, false);
    be.validate();
    const pair = be.typeByName('pair');
    assert.ok(pair?.kind === 'struct');
    assert.deepEqual(
      pair.members.map((m) => [m.name, m.bitOffset]),
      [
        ['a', 0],
        ['b', 32],
      ],
    );
    const e = be.typeByName('e');
    const eLe = le.typeByName('e');
    assert.ok(e?.kind === 'enum' && eLe?.kind === 'enum');
    assert.deepEqual(e.values, eLe.values);
    assert.equal(e.values[0]!.value, 0xfffffffe);
  });

  test('a 7.1 header with a layout section lets newer kinds be skipped', () => {
    const layout: [number, number][] = Array.from({ length: 22 }, () => [0, 0]);
    layout[21] = [4, 8]; // a kind 21 with 4 info bytes and 8-byte vlen items
    const spec = loadSpec(
      encodeBtf({
        hdrLen: 32,
        layout,
        types: [INT, { kind: 21, name: 'future', type: 1, vlen: 2, extra: [0, 0, 0, 0, 0] }, { kind: 'ptr', type: 1 }],
      }),
    );
    spec.validate();
    assert.equal(spec.count, 3);
    assert.equal(spec.typeById(2)?.kind, 'unknown');
    assert.equal(spec.typeById(3)?.kind, 'ptr');
  });

  test('24-bit vlen: a struct with more than 65535 members, valid with the 32-byte header', () => {
    const members = Array.from({ length: 70000 }, (_, i) => ({ name: '', type: 1, offset: i * 8 }));
    const types: RawType[] = [
      { ...INT, size: 1, bits: 8 },
      { kind: 'struct', name: 'wide', size: 70000, members },
    ];
    // The classic header is held to the 16-bit vlen of the kernels that read it.
    assert.match(fault(encodeBtf({ types })).message, /type \[2\] at offset \d+: vlen 70000 is over the limit of 65535/);
    const spec = loadSpec(encodeBtf({ types, hdrLen: 32 }));
    spec.validate();
    const wide = spec.typeByName('wide');
    assert.ok(wide?.kind === 'struct');
    assert.equal(wide.members.length, 70000);
  });

  test('an empty module BTF (24-byte header, no types, no strings) is valid', () => {
    const base = loadSpec(encodeBtf({ types: [INT] }));
    const empty = encodeBtf({ base, types: [] });
    assert.equal(empty.length, 24);
    const spec = loadSplitSpec(empty, base);
    spec.validate();
    assert.equal(spec.count, 0);
    assert.equal(spec.typeByName('int'), base.typeById(1));
  });

  test('the clang object has every kind this library decodes', () => {
    const kinds = new Set([...loadSpecFromBytes(readFixture(KINDS_OBJECT)).types()].map((t) => t.kind));
    for (const k of [
      'int',
      'ptr',
      'array',
      'struct',
      'union',
      'enum',
      'fwd',
      'typedef',
      'volatile',
      'const',
      'restrict',
      'func',
      'func_proto',
      'var',
      'datasec',
      'float',
      'decl_tag',
      'type_tag',
    ]) {
      assert.ok(kinds.has(k as never), `missing ${k}`);
    }
  });
});

describe('public functions check their arguments', () => {
  const bytes = encodeBtf({ types: [INT, { kind: 'ptr', type: 1 }] });

  test('typeById and peekType of an ID that is not a non-negative integer: undefined', () => {
    const spec = loadSpec(bytes);
    for (const id of [1.5, Number.NaN, -1, Number.POSITIVE_INFINITY, -0.5, 2 ** 53 + 0.5]) {
      assert.equal(spec.typeById(id), undefined, String(id));
      assert.equal(spec.peekType(id), undefined, String(id));
    }
    assert.throws(() => spec.mustTypeById(1.5), /type \[1\.5\]: no such type/);
    assert.equal(spec.typeById(2)?.kind, 'ptr');
  });

  test('loadSpec and loadSpecFromBytes take an ArrayBuffer or any typed-array view of the blob', () => {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    assert.equal(loadSpec(ab).typeById(2)?.kind, 'ptr');
    assert.equal(loadSpecFromBytes(ab).typeById(2)?.kind, 'ptr');
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 8);
    assert.equal(loadSpec(new DataView(padded.buffer, 8) as unknown as Uint8Array).typeById(1)?.name, 'int');
    const elf = readFixture(KINDS_OBJECT);
    assert.ok(loadSpecFromBytes(elf.buffer.slice(elf.byteOffset, elf.byteOffset + elf.byteLength) as ArrayBuffer).count > 10);
  });

  test('anything else says what was expected', () => {
    for (const bad of ['path/to/file', 42, null, undefined, {}, [1, 2]]) {
      assert.throws(
        () => loadSpec(bad as unknown as Uint8Array),
        (e: unknown) =>
          e instanceof BtfError && /must be given as a Uint8Array or ArrayBuffer, not (a|an|null|undefined)/.test(e.message),
      );
    }
    const base = loadSpec(bytes);
    for (const bad of ['vmlinux', 1, null, {}]) {
      assert.throws(
        () => loadSplitSpec(bytes, bad as unknown as Spec),
        (e: unknown) =>
          e instanceof BtfError && /loadSplitSpec expects the base as a Spec \(from loadSpec\), not/.test(e.message),
      );
      assert.throws(() => loadSpecFromBytes(bytes, bad as unknown as Spec), /must be a Spec/);
    }
    assert.throws(() => loadSpec(bytes, 'x' as never), /options must be an object, not a string/);
    assert.throws(() => base.typeByName(7 as unknown as string), /a type name must be a string, not a number/);
  });
});
