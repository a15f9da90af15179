import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ElfFile, EM_386, EM_BPF, EM_X86_64, ET_REL, parseElf, SHT_NOBITS } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { fixtureObjects, hostElfFiles, oracleSections, readBytes, toolsMissing } from './support.js';

function assertSectionsMatch(file: ElfFile, path: string): void {
  const expected = oracleSections(path);
  assert.equal(file.sections.length, expected.length, `${path}: section count`);
  for (const want of expected) {
    const got = file.sections[want.index];
    assert.ok(got, `${path}: section ${want.index} missing`);
    const { name, nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize } = got;
    assert.deepEqual(
      { index: got.index, name, nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize },
      want,
      `${path}: section [${want.index}] ${want.name}`,
    );
  }
}

function assertDataViews(file: ElfFile): void {
  for (const s of file.sections) {
    if ((s.flags & 0x800) !== 0) continue; // compressed: covered in the malformed-input tests
    const data = file.sectionData(s);
    assert.equal(data.buffer, file.bytes.buffer, `[${s.index}] ${s.name}: data is a view, not a copy`);
    if (s.type === SHT_NOBITS) {
      assert.equal(data.length, 0, `[${s.index}] ${s.name}: NOBITS gives an empty view`);
    } else {
      assert.equal(data.length, s.size);
      assert.equal(data.byteOffset, file.bytes.byteOffset + s.offset);
    }
  }
}

describe('ELF sections match llvm-readelf', { skip: toolsMissing }, () => {
  for (const [label, path] of toolsMissing === undefined ? fixtureObjects() : []) {
    it(`${label}: every section header field`, () => {
      const file = parseElf(readBytes(path));
      assertSectionsMatch(file, path);
      assertDataViews(file);
    });
  }

  it('bpf objects: header fields and the BTF sections', () => {
    const objects = fixtureObjects();
    const le = parseElf(readBytes(objects.get('bpf (little-endian)') as string));
    const be = parseElf(readBytes(objects.get('bpfeb (big-endian)') as string));
    for (const [file, little] of [
      [le, true],
      [be, false],
    ] as const) {
      assert.equal(file.bits, 64);
      assert.equal(file.littleEndian, little);
      assert.equal(file.type, ET_REL);
      assert.equal(file.machine, EM_BPF);
      const btf = file.section('.BTF');
      assert.ok(btf, '.BTF present');
      assert.ok(file.section('.BTF.ext'), '.BTF.ext present');
      assert.equal(file.section('.BTF.base'), undefined);
      // The BTF header's magic (0xeb9f) is stored in the object's byte order.
      const data = file.sectionData(btf);
      const magic = new DataView(data.buffer, data.byteOffset, 2).getUint16(0, little);
      assert.equal(magic, 0xeb9f);
    }
    // Same program, same section names in the same order, whichever the byte order.
    assert.deepEqual(
      le.sections.map((s) => s.name),
      be.sections.map((s) => s.name),
    );
  });

  it('i386 and x86-64 objects report their class and machine', () => {
    const objects = fixtureObjects();
    const i386 = parseElf(readBytes(objects.get('i386 object (ELF32)') as string));
    assert.equal(i386.bits, 32);
    assert.equal(i386.littleEndian, true);
    assert.equal(i386.machine, EM_386);
    const x64 = parseElf(readBytes(objects.get('x86-64 object (RELA)') as string));
    assert.equal(x64.bits, 64);
    assert.equal(x64.machine, EM_X86_64);
  });
});

describe('host ELF files match llvm-readelf', { skip: toolsMissing }, () => {
  const files = toolsMissing === undefined ? hostElfFiles() : [];
  if (files.length === 0) it('no native ELF files found on this machine', { skip: 'nothing to read' }, () => {});
  for (const path of files) {
    it(`${path}: every section header field`, () => {
      const bytes = readBytes(path);
      const file = parseElf(bytes);
      assert.equal(file.littleEndian, true);
      assertSectionsMatch(file, path);
      assertDataViews(file);
    });
  }
});

describe('section lookup', () => {
  it('section(name) returns undefined for a missing name and sectionAt checks bounds', { skip: toolsMissing }, () => {
    const path = fixtureObjects().get('bpf (little-endian)') as string;
    const file = parseElf(readBytes(path));
    assert.equal(file.section('.no-such-section'), undefined);
    assert.equal(file.sectionAt(file.sections.length), undefined);
    assert.equal(file.sectionAt(0)?.type, 0);
    const text = file.section('xdp');
    assert.ok(text);
    assert.equal(file.sectionAt(text.index), text);
  });

  it('a header-only ELF with no section table has no sections', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    const file = parseElf(bytes);
    assert.equal(file.sections.length, 0);
    assert.equal(file.section('.BTF'), undefined);
  });

  it('non-ELF input is an ElfError, not a crash', () => {
    assert.throws(() => parseElf(new TextEncoder().encode('#!/bin/sh\necho hi\n')), ElfError);
  });
});
