import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseElf, readSymbols, SHN_LORESERVE, SHN_XINDEX } from '../../src/elf/index.js';
import { fixtureObjects, oracleSections, oracleSymbols, readBytes, tempDir, toolsMissing } from './support.js';

/** More sections than the 16-bit e_shnum can count, as a huge vmlinux or -ffunction-sections build has. */
const SECTIONS = 66_000;
/** Sections that get a global symbol, some of them past SHN_LORESERVE. */
const LABELLED = [5, 1000, 65_279, 65_280, 65_281, 65_535, 65_536, 65_900];

function assembleManySections(): string {
  const dir = tempDir();
  const lines: string[] = [];
  for (let i = 0; i < SECTIONS; i++) {
    lines.push(`.section .s${i},"a",@progbits`);
    if (LABELLED.includes(i)) lines.push(`.globl sym_${i}`, `sym_${i}:`);
    lines.push(`.byte ${i & 0xff}`);
  }
  const src = join(dir, 'many.s');
  writeFileSync(src, `${lines.join('\n')}\n`);
  const out = join(dir, 'many.o');
  const r = spawnSync('clang', ['-target', 'x86_64-linux-gnu', '-c', src, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang failed:\n${r.stderr}`);
  return out;
}

describe('extended section numbering (SHN_XINDEX)', { skip: toolsMissing }, () => {
  it(`a file with ${SECTIONS} sections keeps the count in section 0 and matches llvm-readelf`, () => {
    const path = assembleManySections();
    const bytes = readBytes(path);
    const file = parseElf(bytes);
    assert.equal(file.header.shnum, 0, 'e_shnum escapes to 0');
    const want = oracleSections(path);
    assert.equal(file.sections.length, want.length);
    assert.ok(file.sections.length > SECTIONS);
    for (const w of want) {
      const g = file.sections[w.index];
      assert.ok(g);
      assert.equal(g.name, w.name, `[${w.index}] name`);
      assert.equal(g.offset, w.offset, `[${w.index}] offset`);
      assert.equal(g.size, w.size, `[${w.index}] size`);
      assert.equal(g.type, w.type, `[${w.index}] type`);
    }
    assert.equal(file.section('.s65900')?.index, want.find((s) => s.name === '.s65900')?.index);

    // Symbols in sections at or past SHN_LORESERVE carry SHN_XINDEX in st_shndx and the real
    // index in .symtab_shndx.
    const symbols = readSymbols(file);
    const oracle = oracleSymbols(path);
    assert.equal(symbols.length, oracle.length);
    for (const n of LABELLED) {
      const sym = symbols.find((s) => s.name === `sym_${n}`);
      const ref = oracle.find((s) => s.name === `sym_${n}`);
      assert.ok(sym && ref, `sym_${n} present`);
      assert.equal(sym.shndx, ref.shndx, `sym_${n} section index`);
      assert.equal(file.sections[sym.shndx]?.name, `.s${n}`);
    }
    assert.ok(
      symbols.some((s) => s.shndx >= SHN_LORESERVE),
      'some symbols needed the extension',
    );
  });

  it('e_shnum and e_shstrndx moved into section 0 read the same as the plain header', () => {
    for (const [label, path] of fixtureObjects()) {
      const plain = parseElf(readBytes(path));
      const bytes = new Uint8Array(readBytes(path));
      const view = new DataView(bytes.buffer);
      const le = plain.littleEndian;
      const is64 = plain.bits === 64;
      const shoff = plain.header.shoff;
      // e_shnum := 0, e_shstrndx := SHN_XINDEX; section 0: sh_size := count, sh_link := shstrndx.
      view.setUint16(is64 ? 60 : 48, 0, le);
      view.setUint16(is64 ? 62 : 50, SHN_XINDEX, le);
      if (is64) view.setBigUint64(shoff + 32, BigInt(plain.sections.length), le);
      else view.setUint32(shoff + 20, plain.sections.length, le);
      view.setUint32(shoff + (is64 ? 40 : 24), plain.shstrndx, le);

      const escaped = parseElf(bytes);
      assert.equal(escaped.shstrndx, plain.shstrndx, label);
      assert.deepEqual(
        escaped.sections.slice(1).map((s) => [s.name, s.offset, s.size]),
        plain.sections.slice(1).map((s) => [s.name, s.offset, s.size]),
        label,
      );
      // And llvm-readelf agrees on the rewritten file.
      const out = join(tempDir(), `escaped-${plain.bits}-${le ? 'le' : 'be'}-${escaped.sections.length}.o`);
      writeFileSync(out, bytes);
      assert.deepEqual(
        oracleSections(out).map((s) => s.name),
        escaped.sections.map((s) => s.name),
        label,
      );
    }
  });
});
