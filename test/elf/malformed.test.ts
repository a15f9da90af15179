import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ElfFile, parseElf, readRelocations, readSymbols, SHT_SYMTAB } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { compile, fixtureObjects, fixtureSource, readBytes, toolsMissing } from './support.js';

/** A fresh, writable copy of the little-endian BPF fixture and its parse. */
function fixture(): { bytes: Uint8Array; view: DataView; file: ElfFile } {
  const bytes = new Uint8Array(readBytes(fixtureObjects().get('bpf (little-endian)') as string));
  return { bytes, view: new DataView(bytes.buffer), file: parseElf(bytes) };
}

/** Asserts `fn` throws an ElfError whose message matches `pattern` and which names a coordinate. */
function throwsElf(fn: () => unknown, pattern: RegExp, where: { section?: string; offset?: number } = {}): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ElfError, `expected ElfError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(e.offset !== undefined || e.section !== undefined, `no coordinate in: ${e.message}`);
    if (where.section !== undefined) assert.equal(e.section, where.section, e.message);
    if (where.offset !== undefined) assert.equal(e.offset, where.offset, e.message);
    return true;
  });
}

/** File offset of section header `i` (ELF64). */
const shdr = (file: ElfFile, i: number): number => file.header.shoff + i * file.header.shentsize;

describe('malformed ELF input gives ElfError with the coordinate', { skip: toolsMissing }, () => {
  it('bad magic', () => {
    const { bytes } = fixture();
    bytes[1] = 0x46;
    throwsElf(() => parseElf(bytes), /^offset 0: bad magic/, { offset: 0 });
  });

  it('truncated identification and truncated header', () => {
    const { bytes } = fixture();
    throwsElf(() => parseElf(bytes.subarray(0, 10)), /truncated ELF identification/);
    throwsElf(() => parseElf(bytes.subarray(0, 40)), /truncated ELF header: file has 40 bytes, needs 64/);
    throwsElf(() => parseElf(new Uint8Array(0)), /truncated/);
  });

  it('unknown class and byte order', () => {
    const a = fixture().bytes;
    a[4] = 3;
    throwsElf(() => parseElf(a), /EI_CLASS 3/, { offset: 4 });
    const b = fixture().bytes;
    b[5] = 0;
    throwsElf(() => parseElf(b), /EI_DATA 0/, { offset: 5 });
  });

  it('section header table past the end of the file', () => {
    const { bytes, file } = fixture();
    const cut = shdr(file, file.sections.length - 1) + 10;
    throwsElf(() => parseElf(bytes.subarray(0, cut)), /section header table .* runs past end of file/, {
      offset: file.header.shoff,
    });
    const { view } = fixture();
    view.setBigUint64(40, 1n << 62n, true); // e_shoff far beyond the file
    throwsElf(() => parseElf(new Uint8Array(view.buffer)), /runs past end of file/);
  });

  it('a section count in section 0 larger than the table', () => {
    const { bytes, view, file } = fixture();
    view.setUint16(60, 0, true);
    view.setBigUint64(file.header.shoff + 32, 0xffff_ffffn, true);
    throwsElf(() => parseElf(bytes), /section header table of 4294967295 entries/);
  });

  it('e_shentsize smaller than a section header', () => {
    const { bytes, view } = fixture();
    view.setUint16(58, 32, true);
    throwsElf(() => parseElf(bytes), /e_shentsize 32/, { offset: 58 });
  });

  it('bad e_shstrndx', () => {
    const { bytes, view, file } = fixture();
    view.setUint16(62, file.sections.length + 3, true);
    throwsElf(() => parseElf(bytes), /bad e_shstrndx/, { offset: 62 });
  });

  it('section name offset out of range', () => {
    const { bytes, view, file } = fixture();
    view.setUint32(shdr(file, 2), 0x00ff_ffff, true);
    throwsElf(() => parseElf(bytes), /sh_name 16777215 out of range/, { section: '[2]', offset: shdr(file, 2) });
  });

  it('unterminated section name', () => {
    const { bytes, view, file } = fixture();
    const names = file.sections[file.shstrndx];
    assert.ok(names);
    bytes[names.offset + names.size - 1] = 0x78; // the table's final NUL
    view.setUint32(shdr(file, 2), names.size - 1, true);
    throwsElf(() => parseElf(bytes), /unterminated name/);
  });

  it("a section's data past the end of the file", () => {
    const { bytes, view, file } = fixture();
    const btf = file.section('.BTF');
    assert.ok(btf);
    view.setBigUint64(shdr(file, btf.index) + 24, BigInt(bytes.length - 4), true);
    const broken = parseElf(bytes);
    const section = broken.section('.BTF');
    assert.ok(section, 'the table still parses: data is read lazily');
    throwsElf(() => broken.sectionData(section), /section data .* runs past end of file/, {
      section: '.BTF',
      offset: bytes.length - 4,
    });
  });

  it('symbol table with a bad string table link, entry size or name', () => {
    const a = fixture();
    const symtab = a.file.sectionsOfType(SHT_SYMTAB)[0];
    assert.ok(symtab);
    a.view.setUint32(shdr(a.file, symtab.index) + 40, 0, true);
    throwsElf(() => readSymbols(parseElf(a.bytes)), /sh_link 0/, { section: '.symtab' });

    const b = fixture();
    b.view.setBigUint64(shdr(b.file, symtab.index) + 56, 8n, true);
    throwsElf(() => readSymbols(parseElf(b.bytes)), /symbol entry size 8/, { section: '.symtab' });

    const c = fixture();
    c.view.setUint32(symtab.offset + 24, 0x7fff_fff0, true); // st_name of symbol 1
    throwsElf(() => readSymbols(parseElf(c.bytes)), /symbol 1: st_name 2147483632 out of range/, {
      section: '.symtab',
      offset: symtab.offset + 24,
    });
  });

  it('relocation section past the end of the file', () => {
    const { bytes, view, file } = fixture();
    const rel = file.section('.relxdp');
    assert.ok(rel);
    view.setBigUint64(shdr(file, rel.index) + 32, 1n << 40n, true);
    const broken = parseElf(bytes);
    const section = broken.section('.relxdp');
    assert.ok(section);
    throwsElf(() => readRelocations(broken, section), /runs past end of file/, { section: '.relxdp' });
  });

  it('compressed sections are refused, and readable raw', () => {
    const path = compile(fixtureSource('tiny.c'), ['-target', 'x86_64-linux-gnu', '-g', '-gz=zlib'], 'tiny-gz.o');
    const file = parseElf(readBytes(path));
    const info = file.section('.debug_info');
    assert.ok(info);
    if ((info.flags & 0x800) === 0) {
      assert.ok(true, 'clang built without zlib: .debug_info not compressed');
      return;
    }
    throwsElf(() => file.sectionData(info), /compressed sections not supported/, { section: '.debug_info' });
    const raw = file.rawSectionData(info);
    assert.equal(raw.length, info.size);
    // Elf64_Chdr.ch_type: ELFCOMPRESS_ZLIB.
    assert.equal(new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, true), 1);
  });
});
