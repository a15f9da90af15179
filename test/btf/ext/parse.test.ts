import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BtfError, type BtfExt, CoreReloKind, parseBtfExt } from '../../../src/btf/ext/index.js';
import { loadSpec, type Spec } from '../../../src/btf/index.js';
import { type ElfFile, parseElf, readSymbols, STT_FUNC } from '../../../src/elf/index.js';
import { readFixture } from '../../fixtures.js';
import { OBJ_FIXTURES, objdumpMissing, objFixtures } from '../../obj/support.js';

function open(path: string): { elf: ElfFile; spec: Spec; ext: BtfExt; extBytes: Uint8Array } {
  const elf = parseElf(readFixture(path));
  const spec = loadSpec(elf.sectionData(elf.section('.BTF')!));
  const extBytes = elf.sectionData(elf.section('.BTF.ext')!);
  return { elf, spec, ext: parseBtfExt(extBytes, spec.strings), extBytes };
}

/** `llvm-objdump -d -l`: for each section, the DWARF source line in effect at each instruction index. */
function dwarfLines(path: string): Map<string, Map<number, number>> {
  const out = execFileSync('llvm-objdump', ['-d', '-l', '--no-show-raw-insn', path], { encoding: 'utf8' });
  const bySection = new Map<string, Map<number, number>>();
  let current = new Map<number, number>();
  let line = 0;
  for (const text of out.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(text);
    if (sec) {
      current = new Map();
      bySection.set(sec[1]!, current);
      line = 0;
      continue;
    }
    const loc = /^; .*\.c:(\d+)$/.exec(text);
    if (loc) line = Number(loc[1]);
    const insn = /^\s*(\d+):\t/.exec(text);
    if (insn) current.set(Number(insn[1]), line);
  }
  return bySection;
}

describe('.BTF.ext of clang objects', () => {
  for (const f of objFixtures()) {
    for (const [path, order] of [
      [f.el, 'little-endian'],
      [f.eb, 'big-endian'],
    ] as const) {
      test(`${f.name} (${order}): func_info names each function symbol of its section, at its address`, () => {
        const { elf, spec, ext } = open(path);
        const funcs = readSymbols(elf).filter((s) => s.type === STT_FUNC);
        let seen = 0;
        for (const [section, records] of ext.funcInfo) {
          const mine = funcs.filter((s) => elf.sections[s.shndx]?.name === section);
          assert.equal(records.length, mine.length, section);
          for (const r of records) {
            const type = spec.typeById(r.typeId);
            assert.equal(type?.kind, 'func');
            const sym = mine.find((s) => s.name === type!.name);
            assert.ok(sym, `${section}: ${type!.name}`);
            assert.equal(BigInt(r.insnOff), sym.value);
            seen++;
          }
        }
        assert.equal(seen, funcs.length);
      });

      test(`${f.name} (${order}): line_info agrees with the DWARF line table`, { skip: objdumpMissing() }, () => {
        const { ext } = open(path);
        const dwarf = dwarfLines(path);
        const source = readFileSync(join(OBJ_FIXTURES, `${f.name}.bpf.c`), 'utf8').split('\n');
        assert.ok(ext.lineInfo.size > 0);
        for (const [section, records] of ext.lineInfo) {
          const lines = dwarf.get(section)!;
          const starts = new Set((ext.funcInfo.get(section) ?? []).map((r) => r.insnOff));
          for (const r of records) {
            const where = `${section} insn ${r.insnOff / 8}: ${r.lineText}`;
            assert.equal(r.insnOff % 8, 0);
            assert.equal(r.fileName, `./${f.name}.bpf.c`);
            assert.equal(r.lineText, r.line === 0 ? '' : source[r.line - 1], where);
            // A function's first record is its declaration's line, which DWARF's line table
            // does not repeat; DWARF's line 0 (no source) has no BTF record of its own.
            const dw = lines.get(r.insnOff / 8);
            if (!starts.has(r.insnOff) && dw !== 0 && r.line !== 0) assert.equal(r.line, dw, where);
          }
        }
      });
    }
  }

  test('core: every relocation kind clang emits, with access strings into the right types', () => {
    for (const path of [objFixtures().find((f) => f.name === 'core')!.el, objFixtures().find((f) => f.name === 'core')!.eb]) {
      const { spec, ext } = open(path);
      const relos = ext.coreRelos.get('raw_tp/sys_enter')!;
      assert.ok(relos);
      const kinds = new Set(relos.map((r) => r.kind));
      for (let k = CoreReloKind.FIELD_BYTE_OFFSET; k <= CoreReloKind.ENUMVAL_VALUE; k++) assert.ok(kinds.has(k), CoreReloKind[k]);
      const named = (r: { typeId: number }) => spec.typeById(r.typeId)!.name;
      // bpf_core_field_offset(t->comm[3]): struct task, member 2 (comm), element 3.
      assert.ok(relos.some((r) => r.kind === CoreReloKind.FIELD_BYTE_OFFSET && named(r) === 'task' && r.access === '0:2:3'));
      // bpf_core_field_exists(o->gone): struct task___old member 1.
      assert.ok(relos.some((r) => r.kind === CoreReloKind.FIELD_EXISTS && named(r) === 'task___old' && r.access === '0:1'));
      // bpf_core_enum_value(enum state, SLEEPING): enumerator 1.
      assert.ok(relos.some((r) => r.kind === CoreReloKind.ENUMVAL_VALUE && named(r) === 'state' && r.access === '1'));
      assert.ok(relos.some((r) => r.kind === CoreReloKind.TYPE_SIZE && named(r) === 'pid_alias' && r.access === '0'));
      for (const r of relos) assert.equal(r.insnOff % 8, 0);
    }
  });

  test('both byte orders hold the same records for the same source', () => {
    for (const f of objFixtures()) {
      const a = open(f.el).ext;
      const b = open(f.eb).ext;
      assert.deepEqual([...b.funcInfo.keys()], [...a.funcInfo.keys()], f.name);
      // Code generation differs between byte orders (bitfield reads repeat relocations), so
      // compare the distinct relocations.
      const relos = (x: BtfExt) =>
        [...new Set([...x.coreRelos.values()].flat().map((r) => `${r.typeId} ${r.access} ${r.kind}`))].sort();
      assert.deepEqual(relos(b), relos(a), f.name);
    }
  });
});

/** A .BTF.ext rebuilt with every record widened by `extra` bytes (as a future producer might). */
function widen(src: Uint8Array, extra: number): Uint8Array {
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const le = v.getUint16(0, true) === 0xeb9f;
  const hdrLen = v.getUint32(4, le);
  const parts: number[][] = [];
  for (let field = 8; field + 8 <= Math.min(hdrLen, 32); field += 8) {
    const off = hdrLen + v.getUint32(field, le);
    const len = v.getUint32(field + 4, le);
    const words: number[] = [];
    if (len > 0) {
      const rec = v.getUint32(off, le);
      words.push(rec + extra);
      let at = off + 4;
      while (at < off + len) {
        const count = v.getUint32(at + 4, le);
        words.push(v.getUint32(at, le), count);
        at += 8;
        for (let i = 0; i < count; i++, at += rec) {
          for (let w = 0; w < rec; w += 4) words.push(v.getUint32(at + w, le));
          for (let w = 0; w < extra; w += 4) words.push(0xdeadbeef);
        }
      }
    }
    parts.push(words);
  }
  const out = new Uint8Array(hdrLen + parts.reduce((n, p) => n + p.length * 4, 0));
  const o = new DataView(out.buffer);
  out.set(src.subarray(0, hdrLen));
  let at = hdrLen;
  parts.forEach((words, i) => {
    o.setUint32(8 + i * 8, at - hdrLen, le);
    o.setUint32(12 + i * 8, words.length * 4, le);
    for (const w of words) {
      o.setUint32(at, w, le);
      at += 4;
    }
  });
  return out;
}

describe('.BTF.ext records larger than known', () => {
  for (const f of objFixtures().filter((x) => x.name === 'core' || x.name === 'calls')) {
    test(`${f.name}: widened records read the same`, () => {
      for (const path of [f.el, f.eb]) {
        const { spec, ext, extBytes } = open(path);
        const wide = parseBtfExt(widen(extBytes, 8), spec.strings);
        assert.deepEqual(wide.funcInfo, ext.funcInfo);
        assert.deepEqual(wide.lineInfo, ext.lineInfo);
        assert.deepEqual(wide.coreRelos, ext.coreRelos);
      }
    });
  }
});

describe('.BTF.ext bad input', () => {
  const { spec, extBytes } = open(objFixtures().find((f) => f.name === 'core')!.el);
  const bad = (edit: (v: DataView, b: Uint8Array) => unknown, pattern: RegExp) => {
    const b = extBytes.slice();
    const edited = edit(new DataView(b.buffer), b);
    const out = edited instanceof Uint8Array ? edited : b;
    assert.throws(
      () => parseBtfExt(out, spec.strings),
      (e: unknown) => e instanceof BtfError && pattern.test(e.message) && e.offset !== undefined,
    );
  };
  const hdr = new DataView(extBytes.buffer, extBytes.byteOffset).getUint32(4, true);
  const func = hdr + new DataView(extBytes.buffer, extBytes.byteOffset).getUint32(8, true);
  const core = hdr + new DataView(extBytes.buffer, extBytes.byteOffset).getUint32(24, true);

  test('header faults', () => {
    bad((v) => v.setUint16(0, 0x1234, true), /bad magic/);
    bad((v) => v.setUint8(2, 2), /version/);
    bad((v) => v.setUint32(4, 8, true), /header length/);
    bad((_, b) => b.subarray(0, 6), /too short/);
    bad((v) => v.setUint32(12, 0x10000, true), /func_info .* runs past/);
  });
  test('record faults', () => {
    bad((v) => v.setUint32(func, 4, true), /record size 4/);
    bad((v) => v.setUint32(func + 8, 100000, true), /records of 8 bytes run past/);
    bad((v) => v.setUint32(func + 8, 0, true), /no records/);
    bad((v) => v.setUint32(func + 4, 0xffffff, true), /section name string offset/);
    bad((v) => v.setUint32(core + 4 + 8 + 12, 99, true), /unknown CO-RE relocation kind 99/);
    bad((v) => v.setUint32(core + 4 + 8 + 8, 1, true), /access string .* malformed/);
  });
});
