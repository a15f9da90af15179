/**
 * Minimal CO-RE BTF: for vmlinux input the bytes equal bpftool 7.1's `gen min_core_btf` (the
 * libbpf-tools corpus on the host's and three Debian kernels' vmlinux, the kernel's core_reloc
 * selftests on their own target BTF); for vmlinux plus modules, every relocation of every corpus
 * object is decided the same on the minimized BTF as on the full BTF.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSpecFromBytes } from '../../src/btf/load.js';
import type { Spec } from '../../src/btf/spec.js';
import { type CandidateObject, type CandidateSource, specCandidateSource } from '../../src/core/candidates.js';
import { type CoreObject, readCoreObject } from '../../src/core/object-relocations.js';
import { type CoreFixup, CoreRelocator } from '../../src/core/relocator.js';
import { CoreError, GenError } from '../../src/errors.js';
import { minimizeCoreBtf } from '../../src/gen/min-core-btf.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { coreFixtureObjects } from '../core/fixtures.js';
import { CORE_RELOC, coreRelocCases, libbpfTools } from '../corpus/corpus.js';
import { bpftoolMissing, HOST_VMLINUX, kernelFixtures, tempDir, tempFile } from '../fixtures.js';

const noBpftool = bpftoolMissing();

function core(path: string): CoreObject {
  return readCoreObject(new Uint8Array(readFileSync(path)));
}

/** bpftool's minimized BTF, or `undefined` when bpftool fails. */
function bpftool(input: string, objects: readonly string[]): Uint8Array | undefined {
  const out = join(tempDir(), `bpftool-min-${process.pid}-${Math.random().toString(36).slice(2)}.btf`);
  try {
    execFileSync('bpftool', ['gen', 'min_core_btf', input, out, ...objects], { stdio: ['ignore', 'ignore', 'ignore'] });
  } catch {
    return undefined;
  }
  return new Uint8Array(readFileSync(out));
}

/** Ours over base BTF alone (bpftool's setting). */
function ours(base: Spec, objects: readonly string[]): Uint8Array {
  const source = specCandidateSource([{ name: 'vmlinux', spec: base }]);
  return minimizeCoreBtf(
    base,
    objects.map((p) => ({ name: p, core: core(p) })),
    source,
  ).base.bytes;
}

function vmlinuxTargets(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  if (existsSync(HOST_VMLINUX)) out.push({ name: 'host', path: HOST_VMLINUX });
  for (const k of kernelFixtures()) out.push({ name: k.release, path: tempFile(`${k.release}-min-vmlinux`, k.vmlinux) });
  return out;
}

const withRelocations = libbpfTools().filter((o) => core(o.path).relocations.length > 0);

describe('gen min_core_btf: the bytes bpftool 7.1 writes', { skip: noBpftool ?? false }, () => {
  it('has libbpf-tools objects with CO-RE relocations to compare', () => {
    assert.ok(withRelocations.length >= 20, `only ${withRelocations.length} objects with relocations`);
  });
  const targets = vmlinuxTargets();
  for (const t of targets) {
    it(`every libbpf-tools object together, on ${t.name}'s vmlinux`, () => {
      const base = loadSpecFromBytes(new Uint8Array(readFileSync(t.path)));
      const paths = libbpfTools().map((o) => o.path);
      const expected = bpftool(t.path, paths);
      assert.ok(expected, 'bpftool failed');
      assert.deepEqual(Buffer.from(ours(base, paths)), Buffer.from(expected));
    });
  }
  it("each libbpf-tools object alone, on the host's vmlinux", { skip: existsSync(HOST_VMLINUX) ? false : 'no host BTF' }, () => {
    const base = loadSpecFromBytes(new Uint8Array(readFileSync(HOST_VMLINUX)));
    for (const o of withRelocations) {
      const expected = bpftool(HOST_VMLINUX, [o.path]);
      assert.ok(expected, `bpftool failed on ${o.name}`);
      assert.deepEqual(Buffer.from(ours(base, [o.path])), Buffer.from(expected), o.name);
    }
  });
  it('each core_reloc selftest case on its own target BTF; failing where bpftool fails', () => {
    let same = 0;
    let bothFail = 0;
    let empty = 0;
    for (const c of coreRelocCases().cases) {
      const target = join(CORE_RELOC, c.btf);
      const object = join(CORE_RELOC, c.object);
      const expected = bpftool(target, [object]);
      const base = loadSpecFromBytes(new Uint8Array(readFileSync(target)));
      let got: Uint8Array | Error;
      try {
        got = ours(base, [object]);
      } catch (err) {
        if (!(err instanceof GenError) && !(err instanceof CoreError)) throw err;
        got = err;
      }
      if (expected === undefined) {
        assert.ok(got instanceof Error, `${c.name}: bpftool fails, tsbpf does not`);
        bothFail++;
      } else if (got instanceof GenError && /reaches a type/.test(got.message)) {
        // bpftool writes BTF with no type (header and the empty name) where no relocation
        // reaches a type; tsbpf refuses (docs/gen.md).
        assert.equal(expected.byteLength, 25, c.name);
        empty++;
      } else {
        assert.ok(!(got instanceof Error), `${c.name}: ${got instanceof Error ? got.message : ''}`);
        assert.deepEqual(Buffer.from(got), Buffer.from(expected), c.name);
        same++;
      }
    }
    assert.ok(same >= 50, `only ${same} cases compared (${bothFail} failed in both, ${empty} empty)`);
  });
});

/** The decision's observable outcome; a target type ID is compared as the type it names. */
function outcome(f: CoreFixup, specOf: (object: string) => Spec): string {
  let value = f.poison ? 'poison' : String(f.new);
  if (f.kind === 'target_type_id' && f.target && !f.poison) {
    const t = specOf(f.target.object).mustTypeById(Number(f.new));
    value = `${f.target.object}:${t.kind}:${t.name}`;
  }
  const target = f.target ? `${f.target.object} ${f.target.kind} ${f.target.name}` : 'none';
  return `${f.program}#${f.relocation} ${f.kind} ${f.access} → ${target} = ${value} validate=${f.validate} sizes=${f.oldSize}/${f.newSize} unsafe=${f.unsafeSizeChange}`;
}

/** Every decision of `object` against `source`, or the error that stopped it. */
function decide(object: CoreObject, source: CandidateSource, objects: Map<string, Spec>): string[] {
  const seen: CandidateSource = {
    candidates(name, kind) {
      const groups = source.candidates(name, kind);
      for (const g of groups) objects.set(g.object.name, g.object.spec);
      return groups;
    },
  };
  const relocator = new CoreRelocator(object.btf, seen);
  const out: string[] = [];
  for (const r of object.relocations) {
    try {
      out.push(outcome(relocator.relocate(r.program, r.record, r.index), (o) => objects.get(o)!));
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      out.push(`error at ${r.program}#${r.index}`);
      break;
    }
  }
  return out;
}

function minimizedSource(base: Uint8Array, modules: readonly { name: string; bytes: Uint8Array }[]): CandidateSource {
  const vmlinux = loadSpecFromBytes(base);
  vmlinux.validate();
  const objects: CandidateObject[] = [{ name: 'vmlinux', spec: vmlinux }];
  for (const m of modules) {
    const spec = loadSpecFromBytes(m.bytes, vmlinux);
    spec.validate();
    objects.push({ name: m.name, spec });
  }
  return specCandidateSource(objects);
}

describe('gen min_core_btf: the minimized BTF decides every relocation as the full BTF does', () => {
  it('core_reloc selftests, each on its own target BTF', () => {
    let compared = 0;
    for (const c of coreRelocCases().cases) {
      const object = core(join(CORE_RELOC, c.object));
      const base = loadSpecFromBytes(new Uint8Array(readFileSync(join(CORE_RELOC, c.btf))));
      const full = specCandidateSource([{ name: 'vmlinux', spec: base }]);
      let result: ReturnType<typeof minimizeCoreBtf>;
      try {
        result = minimizeCoreBtf(base, [{ name: c.object, core: object }], full);
      } catch (err) {
        if (!(err instanceof GenError) && !(err instanceof CoreError)) throw err;
        continue;
      }
      const expected = decide(object, full, new Map());
      const got = decide(object, minimizedSource(result.base.bytes, []), new Map());
      assert.deepEqual(got, expected, c.name);
      compared += got.length;
    }
    assert.ok(compared > 200, `${compared} relocations compared`);
  });

  for (const k of kernelFixtures()) {
    it(`libbpf-tools and the CO-RE fixtures on ${k.release}'s vmlinux and modules (${[...k.modules.keys()].join(', ')})`, () => {
      const vmlinux = loadSpecFromBytes(k.vmlinux, undefined, { name: 'vmlinux' });
      const modules = new Map([...k.modules].map(([name, bytes]) => [name, loadSpecFromBytes(bytes, vmlinux, { name })]));
      const registry = KernelRegistry.fromSpecs(vmlinux, modules);
      const source = registry.candidateSource({ modules: 'if-none-in-vmlinux' });
      const paths = [...withRelocations.map((o) => o.path), ...coreFixtureObjects()];
      const objects = paths.map((p) => ({ name: p, core: core(p) }));
      const result = minimizeCoreBtf(vmlinux, objects, source);
      // The CO-RE fixture reads a veth type: the module's minimized BTF is written, and only it.
      assert.deepEqual(
        result.modules.map((m) => m.name),
        ['veth'],
      );
      assert.ok(result.base.bytes.byteLength < k.vmlinux.byteLength / 100);
      const minimized = minimizedSource(result.base.bytes, result.modules);
      let compared = 0;
      for (const o of objects) {
        const expected = decide(o.core, source, new Map());
        const got = decide(o.core, minimized, new Map());
        assert.deepEqual(got, expected, o.name);
        compared += got.length;
      }
      assert.ok(compared > 500, `${compared} relocations compared`);
    });
  }
});

describe('gen min_core_btf: bad input', () => {
  const k = kernelFixtures()[0]!;
  const vmlinux = loadSpecFromBytes(k.vmlinux);
  const source = specCandidateSource([{ name: 'vmlinux', spec: vmlinux }]);
  it('refuses objects without CO-RE relocations', () => {
    const none = libbpfTools().filter((o) => core(o.path).relocations.length === 0);
    assert.ok(none.length > 0);
    assert.throws(
      () => minimizeCoreBtf(vmlinux, [{ name: none[0]!.name, core: core(none[0]!.path) }], source),
      (e: unknown) => e instanceof GenError && e.message.startsWith(`${none[0]!.name}: no CO-RE relocations`),
    );
  });
  it('refuses relocations that reach no type', () => {
    // The selftest's types are not in a kernel: every relocation finds no candidate.
    const path = join(CORE_RELOC, 'test_core_reloc_arrays.bpf.o');
    assert.throws(
      () => minimizeCoreBtf(vmlinux, [{ name: 'arrays', core: core(path) }], source),
      (e: unknown) => e instanceof GenError && /no relocation of arrays reaches a type/.test(e.message),
    );
  });
  it('names object, program, relocation and instruction when candidates disagree', () => {
    const c = coreRelocCases().cases.find((x) => x.name === 'size___err_ambiguous')!;
    const base = loadSpecFromBytes(new Uint8Array(readFileSync(join(CORE_RELOC, c.btf))));
    assert.throws(
      () =>
        minimizeCoreBtf(
          base,
          [{ name: 'size.o', core: core(join(CORE_RELOC, c.object)) }],
          specCandidateSource([{ name: 'vmlinux', spec: base }]),
        ),
      (e: unknown) =>
        e instanceof CoreError && /^size\.o: program test_core_size: relocation #0: insn 0: candidates disagree/.test(e.message),
    );
  });
  it('refuses split BTF as the base', () => {
    const veth = loadSpecFromBytes(k.modules.get('veth')!, vmlinux);
    assert.throws(
      () => minimizeCoreBtf(veth, [{ name: 'x', core: core(withRelocations[0]!.path) }], source),
      (e: unknown) => e instanceof GenError && /split BTF/.test(e.message),
    );
  });
});
