import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseElf,
  readSymbols,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
  STV_HIDDEN,
  symbolTableSection,
} from '../../src/elf/index.js';
import { fixtureObjects, hostElfFiles, oracleSymbols, readBytes, toolsMissing } from './support.js';

function assertSymbolsMatch(path: string): void {
  const file = parseElf(readBytes(path));
  const got = readSymbols(file);
  const want = oracleSymbols(path);
  assert.equal(got.length, want.length, `${path}: symbol count`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    assert.ok(g && w);
    assert.equal(g.index, i);
    // llvm-readelf prints a section symbol under its section's name; the table holds none.
    const name = g.type === STT_SECTION && g.nameOffset === 0 ? w.name : g.name;
    assert.deepEqual(
      {
        name,
        nameOffset: g.nameOffset,
        value: g.value,
        size: g.size,
        bind: g.bind,
        type: g.type,
        other: g.other,
        shndx: g.shndx,
      },
      w,
      `${path}: symbol ${i} (${w.name})`,
    );
  }
}

describe('ELF symbols match llvm-readelf', { skip: toolsMissing }, () => {
  for (const [label, path] of toolsMissing === undefined ? fixtureObjects() : []) {
    it(`${label}: every .symtab entry`, () => assertSymbolsMatch(path));
  }
  for (const path of toolsMissing === undefined ? hostElfFiles() : []) {
    const file = parseElf(readBytes(path));
    const table = symbolTableSection(file);
    if (table === undefined || table.type !== 2) {
      it(`${path}: has no .symtab`, () => assert.deepEqual(oracleSymbols(path), []));
      continue;
    }
    it(`${path}: every .symtab entry`, () => assertSymbolsMatch(path));
  }
});

describe('BPF object symbols', { skip: toolsMissing }, () => {
  it('programs, maps and globals carry the binding, type and section the loader needs', () => {
    for (const [label, path] of toolsMissing === undefined ? fixtureObjects() : []) {
      if (!label.startsWith('bpf')) continue;
      const file = parseElf(readBytes(path));
      const symbols = readSymbols(file);
      const byName = new Map(symbols.map((s) => [s.name, s]));
      const sectionOf = (name: string) => file.sections[byName.get(name)?.shndx ?? -1]?.name;

      assert.equal(byName.get('count_packets')?.type, STT_FUNC);
      assert.equal(byName.get('count_packets')?.bind, STB_GLOBAL);
      assert.equal(sectionOf('count_packets'), 'xdp');
      assert.equal(sectionOf('classify'), 'tc');
      assert.equal(byName.get('helper')?.bind, STB_LOCAL);
      assert.equal(sectionOf('helper'), '.text');
      assert.equal(sectionOf('counts'), '.maps');
      assert.equal(sectionOf('config'), '.maps');
      assert.equal(byName.get('counts')?.type, STT_OBJECT);
      // Two maps in one section: the second one's value is the first one's size.
      assert.equal(byName.get('counts')?.value, 0n);
      assert.equal(byName.get('config')?.value, BigInt(byName.get('counts')?.size ?? -1));
      assert.equal(sectionOf('hits'), '.data');
      assert.equal(sectionOf('misses'), '.bss');
      assert.equal(sectionOf('limit'), '.rodata');
      assert.equal(sectionOf('LICENSE'), 'license');
      // The kfunc is an undefined global.
      assert.equal(byName.get('bpf_kfunc_example')?.shndx, 0);
      assert.equal(byName.get('bpf_kfunc_example')?.bind, STB_GLOBAL);
    }
  });

  it('native objects report hidden visibility and weak binding', () => {
    const path = fixtureObjects().get('x86-64 object (RELA)') as string;
    const symbols = readSymbols(parseElf(readBytes(path)));
    const byName = new Map(symbols.map((s) => [s.name, s]));
    assert.equal(byName.get('hidden_counter')?.visibility, STV_HIDDEN);
    assert.equal(byName.get('weak_value')?.bind, STB_WEAK);
  });
});

describe('symbol tables in files without one', () => {
  it('readSymbols gives [] when there is no symbol table', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    assert.deepEqual(readSymbols(parseElf(bytes)), []);
  });
});
