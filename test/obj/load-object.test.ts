import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatRaw, loadSpec } from '../../src/btf/index.js';
import { parseElf } from '../../src/elf/index.js';
import { BtfError, ObjectError } from '../../src/errors.js';
import { loadObject, MapType, type ObjectSpec, ProgramType } from '../../src/obj/index.js';
import { readFixture, tempDir } from '../fixtures.js';
import { libbpfMissing, libbpfOpen } from './oracle.js';
import { objBytes, objdumpMissing, objFixtures } from './support.js';

const open = (name: string, eb = false): ObjectSpec => loadObject(objBytes(name, eb), `${name}.bpf.o`);
/** libbpf 1.x refuses legacy `maps` sections, so they have no oracle. */
const withOracle = objFixtures().filter((f) => f.name !== 'legacy-maps');

describe('obj: what libbpf 1.1 makes of the same objects', () => {
  for (const f of withOracle) {
    test(`${f.name}: the fixed-up BTF is byte-identical to libbpf's`, { skip: libbpfMissing() }, () => {
      const mine = loadObject(readFixture(f.el), f.el);
      assert.deepEqual(mine.btfBytes, libbpfOpen(f.el).btf);
    });

    test(`${f.name}: maps (kernel names, types, sizes, flags) in libbpf's order`, { skip: libbpfMissing() }, () => {
      const mine = loadObject(readFixture(f.el), f.el);
      const want = libbpfOpen(f.el).maps;
      assert.deepEqual(
        mine.maps.map((m) => ({
          name: m.kernelName,
          type: m.type,
          keySize: m.keySize,
          valueSize: m.valueSize,
          maxEntries: m.maxEntries,
          flags: m.flags,
        })),
        want,
      );
    });

    test(`${f.name}: programs, sections, types, attach types and sizes`, { skip: libbpfMissing() }, () => {
      const mine = loadObject(readFixture(f.el), f.el);
      const want = libbpfOpen(f.el).programs;
      assert.deepEqual(
        mine.programs.map((p) => p.name),
        want.map((p) => p.name),
      );
      for (const w of want) {
        const p = mine.programs.find((x) => x.name === w.name)!;
        assert.equal(p.section, w.section);
        assert.equal(p.autoload, w.autoload, `${p.name} autoload`);
        assert.equal(p.instructions.length, w.insns, p.name);
        // Section names newer than libbpf 1.1 (tcx/, netfilter) are unknown to it: type 0.
        if (w.type !== 0) {
          assert.equal(p.type, w.type, `${p.name} type`);
          assert.equal(p.expectedAttachType, w.expectedAttachType, `${p.name} attach type`);
        }
      }
    });
  }
});

describe('obj: both byte orders read alike', () => {
  for (const f of objFixtures()) {
    test(`${f.name}: programs, maps, externs and BTF agree between bpfel and bpfeb`, () => {
      const el = open(f.name);
      const eb = open(f.name, true);
      assert.equal(eb.littleEndian, false);
      const shape = (o: ObjectSpec) => ({
        programs: o.programs.map((p) => [p.name, p.section, p.type, p.expectedAttachType, p.attachTo, p.funcInfo.length]),
        subprograms: o.subprograms.map((p) => p.name),
        references: [...o.programs, ...o.subprograms].map((p) =>
          p.references.map((r) => ('map' in r ? r.map : 'target' in r ? r.target : r.extern)),
        ),
        maps: o.maps.map((m) => ({ ...m, key: m.key?.name, value: m.value?.name, inner: m.inner?.type, data: m.data?.length })),
        externs: o.externs.map((e) => ({ ...e, type: e.type?.name })),
        license: o.license,
        version: o.kernelVersion,
      });
      assert.deepEqual(shape(eb), shape(el));
      if (el.btf && eb.btf) assert.equal(formatRaw(eb.btf), formatRaw(el.btf));
    });
  }
});

describe('obj: programs and references', () => {
  test('section names give program types and attach targets', () => {
    const o = open('sections');
    const by = (n: string) => o.programs.find((p) => p.name === n)!;
    assert.equal(by('prog_fentry_module').attachTo, 'veth:veth_open');
    assert.equal(by('prog_uretprobe').attachTo, '/bin/bash:readline');
    assert.equal(by('prog_tracepoint').attachTo, 'syscalls/sys_enter_openat');
    assert.equal(by('prog_tcx_ingress').type, ProgramType.SCHED_CLS);
    assert.equal(by('prog_netfilter').type, ProgramType.NETFILTER);
    assert.equal(by('prog_xdp_frags').flags, 1 << 5);
    assert.equal(by('prog_lsm_sleepable').flags, 1 << 4);
    assert.equal(by('prog_fentry').flags, 0);
  });

  test('calls, callbacks and map references as the C source makes them', () => {
    const o = open('calls');
    const refs = (n: string) =>
      [...o.programs, ...o.subprograms]
        .find((p) => p.name === n)!
        .references.map((r) => `${r.kind}:${'map' in r ? r.map : 'target' in r ? r.target : r.extern}`);
    assert.deepEqual(refs('first'), ['call:global_sub', 'call:weak_sub']);
    assert.deepEqual(refs('second'), ['func:count_cb', 'call:add_one', 'call:hidden_sub']);
    assert.deepEqual(refs('third'), ['map:counts', 'func:each_cb', 'map:counts', 'call:twice']);
    assert.deepEqual(refs('global_sub'), ['call:twice']);
    assert.deepEqual(refs('twice'), ['call:add_one', 'call:add_one']);
    assert.deepEqual(o.subprograms.map((p) => p.name).sort(), [
      'add_one',
      'count_cb',
      'each_cb',
      'global_sub',
      'hidden_sub',
      'twice',
      'weak_sub',
    ]);
    const sub = (n: string) => o.subprograms.find((p) => p.name === n)!;
    assert.equal(sub('weak_sub').weak, true);
    assert.equal(sub('hidden_sub').hidden, true);
    assert.equal(sub('add_one').global, false);
    assert.equal(sub('global_sub').global, true);
  });

  test('global data: references carry the variable offsets of the symbol table', { skip: objdumpMissing() }, () => {
    const o = open('globals');
    const syms = execFileSync('llvm-readelf', ['-s', '--wide', 'test/fixtures/bpf/obj/globals.bpf.o'], { encoding: 'utf8' });
    const value = (n: string) =>
      Number.parseInt(new RegExp(`([0-9a-f]{16})\\s+\\d+\\s+OBJECT\\s+GLOBAL\\s+\\w+\\s+\\d+\\s+${n}$`, 'm').exec(syms)![1]!, 16);
    const refs = o.programs[0]!.references;
    const offsets = new Set(refs.map((r) => (r.kind === 'map-value' ? `${r.map}+${r.offset}` : '')));
    assert.ok(offsets.has(`.bss+${value('big_array')}`));
    assert.ok(offsets.has(`.data.custom+${value('custom_b')}`));
    assert.ok(offsets.has(`.rodata+${value('greeting')}`));
    const rodata = o.maps.find((m) => m.name === '.rodata')!;
    assert.equal(rodata.readOnly, true);
    assert.equal(new DataView(rodata.data!.buffer).getUint32(value('threshold'), true), 42);
    assert.equal(new TextDecoder().decode(rodata.data!.subarray(value('greeting'), value('greeting') + 5)), 'hello');
    const bss = o.maps.find((m) => m.name === '.bss')!;
    assert.ok(bss.data!.every((b) => b === 0));
    assert.equal(bss.value?.kind, 'datasec');
  });

  test('maps: BTF-defined in every style, map-in-map slots, prog array slots', () => {
    const o = open('maps');
    const m = (n: string) => o.maps.find((x) => x.name === n)!;
    assert.equal(m('by_type').key?.name, 'key');
    assert.equal(m('by_type').value?.name, 'value');
    assert.equal(m('by_size').numaNode, 1);
    assert.equal(m('by_size').pinning, 1);
    assert.equal(m('outer').inner?.type, MapType.ARRAY);
    assert.deepEqual(m('outer').slots, [
      { key: 0, value: 'inner_a' },
      { key: 2, value: 'inner_b' },
    ]);
    assert.equal(m('outer_hash').inner?.type, MapType.HASH);
    assert.equal(m('outer_hash').inner?.maxEntries, 16);
    assert.deepEqual(m('jumps').slots, [{ key: 1, value: 'tail' }]);
    assert.equal(o.kernelVersion, 0x060100);
  });

  test('legacy maps', () => {
    const o = open('legacy-maps');
    assert.deepEqual(
      o.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.origin]),
      [
        ['legacy_hash', MapType.HASH, 4, 8, 64, 1, 'legacy'],
        ['legacy_array', MapType.ARRAY, 4, 8, 2, 0, 'legacy'],
      ],
    );
    assert.deepEqual(
      o.programs[0]!.references.map((r) => (r.kind === 'map' ? r.map : '')),
      ['legacy_hash', 'legacy_array'],
    );
  });

  test('externs: Kconfig layout, typed and untyped ksyms, kfuncs with flavours, weak ones', () => {
    const o = open('externs');
    const e = (n: string) => o.externs.find((x) => x.name === n)!;
    assert.equal(e('bpf_task_from_pid___v2').essentialName, 'bpf_task_from_pid');
    assert.equal(e('bpf_task_from_pid___v2').func, true);
    assert.equal(e('bpf_task_from_pid___v2').weak, true);
    assert.equal(e('bpf_prog_active').typed, false);
    assert.equal(e('runqueues').typed, true);
    assert.equal(e('init_task').weak, true);
    assert.equal(e('CONFIG_DEFAULT_HOSTNAME').size, 16);
    assert.equal(o.maps.find((m) => m.name === '.kconfig')?.valueSize, e('CONFIG_DEFAULT_HOSTNAME').offset + 16);
    const kinds = o.programs[0]!.references.map((r) => `${r.kind}:${'extern' in r ? r.extern : ''}`);
    assert.ok(kinds.includes('kfunc:bpf_task_acquire'));
    assert.ok(kinds.includes('ksym:bpf_prog_active'));
    assert.ok(kinds.includes('map-value:LINUX_KERNEL_VERSION'));
  });

  test('func_info, line_info and CO-RE relocations are relative to their function', () => {
    const o = open('calls');
    for (const p of [...o.programs, ...o.subprograms]) {
      assert.deepEqual(
        p.funcInfo.map((f) => [f.insn, o.btf!.typeById(f.typeId)!.name]),
        [[0, p.name]],
      );
      assert.equal(p.lineInfo[0]?.insn, 0);
      for (const l of p.lineInfo) assert.ok(l.insn >= 0 && l.insn < p.instructions.length);
    }
    const core = open('core').programs[0]!;
    assert.ok(core.coreRelos.length > 10);
    for (const r of core.coreRelos) assert.equal(r.insnOff, r.insn * 8);
  });
});

describe('obj: bad input', () => {
  const bad = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => loadObject(bytes),
      (e: unknown) => e instanceof Error && e.name !== 'RangeError' && e.name !== 'TypeError' && pattern.test(e.message),
    );

  test('not ELF, not BPF', () => {
    bad(new TextEncoder().encode('hello, world, not an ELF file at all'), /magic|ELF/i);
    const x86 = objBytes('calls').slice();
    new DataView(x86.buffer).setUint16(18, 62, true);
    bad(x86, /not a BPF object/);
  });

  test('truncated', () => {
    const b = objBytes('maps');
    bad(b.subarray(0, b.length - 100), /section|offset/);
  });

  test('relocation against a missing symbol names section, program and instruction', () => {
    const b = objBytes('calls').slice();
    // Find the .relxdp section's first entry and point its symbol past the table.
    const text = execFileSync('llvm-readelf', ['-S', '--wide', 'test/fixtures/bpf/obj/calls.bpf.o'], { encoding: 'utf8' });
    const m = /\.relxdp\s+REL\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(text)!;
    const off = Number.parseInt(m[1]!, 16);
    new DataView(b.buffer).setUint32(off + 12, 9999, true);
    assert.throws(
      () => loadObject(b),
      (e: unknown) =>
        e instanceof ObjectError && e.section === 'xdp' && e.program === 'first' && e.insn === 1 && /symbol 9999/.test(e.message),
    );
  });

  test('a relocation past its section is an error naming the section', () => {
    const b = objBytes('calls').slice();
    const text = execFileSync('llvm-readelf', ['-S', '--wide', 'test/fixtures/bpf/obj/calls.bpf.o'], { encoding: 'utf8' });
    const off = Number.parseInt(/\.relxdp\s+REL\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(text)![1]!, 16);
    new DataView(b.buffer).setBigUint64(off, 0x100000n, true);
    assert.throws(
      () => loadObject(b),
      (e: unknown) => e instanceof ObjectError && e.section === 'xdp' && /out of the section/.test(e.message),
    );
  });

  test('a relocation on an instruction that is neither a call nor ld_imm64', () => {
    const b = objBytes('calls').slice();
    const text = execFileSync('llvm-readelf', ['-S', '--wide', 'test/fixtures/bpf/obj/calls.bpf.o'], { encoding: 'utf8' });
    const off = Number.parseInt(/\.relxdp\s+REL\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(text)![1]!, 16);
    new DataView(b.buffer).setBigUint64(off, 0n, true); // onto insn 0, `r1 = ...` of first
    assert.throws(
      () => loadObject(b),
      (e: unknown) =>
        e instanceof ObjectError && e.program === 'first' && e.insn === 0 && /neither a call nor ld_imm64/.test(e.message),
    );
  });

  test('a bad map definition names the map', () => {
    const b = objBytes('maps').slice();
    // Rename the 'max_entries' member name to an unknown field by editing the BTF string table.
    const btf = parseElf(b).section('.BTF')!;
    const at = Buffer.from(b).indexOf('max_entries\0', btf.offset);
    b.set(new TextEncoder().encode('max_entrieZ'), at);
    assert.throws(
      () => loadObject(b),
      (e: unknown) => e instanceof ObjectError && e.map !== undefined && /unknown field 'max_entrieZ'/.test(e.message),
    );
  });
});

describe('obj: the BTF is validated after its fixups', () => {
  test('the BTF loadObject returns has been validated, once', () => {
    for (const name of ['calls', 'maps', 'globals']) {
      const o = open(name);
      assert.equal(o.externs.length, 0);
      assert.ok(o.btf!.validated);
      assert.equal(o.btf!.validationRuns, 1, name);
    }
    const e = open('externs');
    assert.ok(e.externs.length > 0 && e.btf!.validated);
  });

  test('a reference loop in the BTF of an object without externs is a BtfError', () => {
    for (const name of ['calls', 'globals']) {
      const b = objBytes(name).slice();
      const section = parseElf(b).section('.BTF')!;
      const spec = loadSpec(b.slice(section.offset, section.offset + section.size));
      const ptr = [...spec.types()].find((t) => t.kind === 'ptr')!;
      // The pointer points at itself: a loop no struct breaks, which the kernel refuses.
      new DataView(b.buffer).setUint32(section.offset + spec.section.offset(ptr.id - 1) + 8, ptr.id, true);
      assert.throws(
        () => loadObject(b, name),
        (e: unknown) => e instanceof BtfError && e.typeId !== undefined,
        name,
      );
    }
  });
});

describe('obj: kernel names of global-data maps', () => {
  test('a long object name keeps as many characters as libbpf 1.1 keeps', { skip: libbpfMissing() }, () => {
    const long = join(tempDir(), 'a_rather_long_object_name.bpf.o');
    writeFileSync(long, objBytes('externs'));
    const globals = join(tempDir(), 'globals_with_a_long_name.bpf.o');
    writeFileSync(globals, objBytes('globals'));
    for (const path of [long, globals]) {
      const mine = loadObject(readFixture(path), path).maps.map((m) => m.kernelName);
      assert.deepEqual(
        mine,
        libbpfOpen(path).maps.map((m) => m.name),
      );
    }
  });
});
