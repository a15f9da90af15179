/**
 * tsbpf's CO-RE decisions equal libbpf 1.1's, relocation by relocation: the same candidates
 * (in the same order, narrowed the same way), the same matches, specs printed the same, the same
 * target, value and poisoning, and failures where libbpf fails. libbpf runs through the
 * test/oracle/core-relos harness (btf_custom_path = the target BTF) on the same objects and BTF.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSpecFromBytes } from '../../src/btf/index.js';
import { specCandidateSource } from '../../src/core/candidates.js';
import { type AppliedFixup, readCoreObject, relocateObject } from '../../src/core/object-relocations.js';
import { CoreRelocator } from '../../src/core/relocator.js';
import { CoreError } from '../../src/errors.js';
import { CORE_RELOC, coreRelocCases, libbpfTools } from '../corpus/corpus.js';
import { HOST_VMLINUX, kernelFixtures, tempFile } from '../fixtures.js';
import { type CoreRelosReport, coreRelos, type OracleRelocation, oraclesUnavailable } from '../oracle/oracles.js';
import { coreFixtureObjects } from './fixtures.js';

const skip = oraclesUnavailable() ?? (process.getuid?.() === 0 ? false : 'needs root (libbpf loads the object)');

/** The target kernels: the host's and the committed Debian ones, as raw BTF files. */
function targets(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  if (existsSync(HOST_VMLINUX)) out.push({ name: 'host', path: HOST_VMLINUX });
  for (const k of kernelFixtures()) out.push({ name: k.release, path: tempFile(`${k.release}-vmlinux`, k.vmlinux) });
  return out;
}

const num = (v: number | string | null | bigint) => (v === null ? null : BigInt(v));

/** Compares one object against one target; returns how many relocations were compared. */
function compare(objectPath: string, targetPath: string): { compared: number; equal: number } {
  const report: CoreRelosReport = coreRelos(objectPath, targetPath);
  const object = readCoreObject(new Uint8Array(readFileSync(objectPath)));
  // Raw BTF, or an ELF object's .BTF (the selftests' target kernels are objects).
  const target = loadSpecFromBytes(new Uint8Array(readFileSync(targetPath)));
  // libbpf names a btf_custom_path target by its file name in its log.
  const source = specCandidateSource([{ name: basename(targetPath), spec: target }]);
  const ours = new Map<string, AppliedFixup>();
  let failure: CoreError | undefined;
  try {
    relocateObject(object, new CoreRelocator(object.btf, source), (a) => ours.set(`${a.section}#${a.fixup.relocation}`, a));
  } catch (err) {
    if (!(err instanceof CoreError)) throw err;
    failure = err;
  }
  const name = `${basename(objectPath)} on ${basename(targetPath)}`;
  let compared = 0;
  for (const theirs of report.relocations) {
    const where = `${name}: ${theirs.section} relo #${theirs.relo} (${theirs.program})`;
    if (theirs.failed !== undefined) {
      assert.ok(failure, `${where}: libbpf fails (${theirs.failed}), tsbpf does not`);
      assert.equal(failure.relocation, theirs.relo, `${where}: tsbpf fails at another relocation: ${failure.message}`);
      compared++;
      break;
    }
    const mine = ours.get(`${theirs.section}#${theirs.relo}`);
    assert.ok(mine, `${where}: tsbpf made no decision${failure ? ` (it failed: ${failure.message})` : ''}`);
    same(mine, theirs, where);
    compared++;
  }
  assert.equal(ours.size + (failure ? 1 : 0) >= compared, true);
  if (!report.relocations.some((r) => r.failed !== undefined)) {
    assert.equal(failure, undefined, `${name}: tsbpf fails where libbpf does not: ${failure?.message}`);
    assert.equal(ours.size, report.relocations.length, `${name}: number of relocations`);
  }
  return { compared, equal: compared };
}

function same(mine: AppliedFixup, theirs: OracleRelocation, where: string): void {
  const f = mine.fixup;
  assert.equal(f.program, theirs.program, `${where}: program`);
  assert.equal(f.kind, theirs.kind, `${where}: kind`);
  assert.equal(f.local.id, theirs.local.id, `${where}: local type`);
  assert.equal(f.local.spec, theirs.local.spec, `${where}: local spec`);
  if (theirs.insn !== null) assert.equal(f.insn, theirs.insn, `${where}: instruction`);
  assert.deepEqual(
    f.candidates.map((c) => [c.id, c.matched, c.matched ? c.spec : '']),
    theirs.candidates.map((c) => [c.id, c.matching, c.matching ? c.spec : '']),
    `${where}: candidates`,
  );
  assert.equal(f.target?.id ?? null, theirs.target?.id ?? null, `${where}: target`);
  const poison = mine.patch.how === 'poison';
  assert.equal(poison, theirs.poison, `${where}: poison (${f.reason})`);
  if (!poison && theirs.new !== null) {
    assert.equal(f.new, num(theirs.new), `${where}: new value`);
    assert.equal(mine.patch.before, BigInt.asUintN(64, num(theirs.old)!), `${where}: old value`);
  }
  for (const p of theirs.patches) {
    if (p.field === 'mem_sz') assert.deepEqual(mine.patch.width, { from: Number(p.old), to: Number(p.new) }, `${where}: width`);
  }
}

describe('CO-RE decisions equal libbpf 1.1 (test/oracle/core-relos)', { skip }, () => {
  // With the selftests' "kernel" program, whose target is the kernel's own BTF.
  const objects = [
    ...coreFixtureObjects(),
    ...libbpfTools().map((o) => o.path),
    join(CORE_RELOC, 'test_core_reloc_kernel.bpf.o'),
  ];
  for (const target of targets()) {
    it(`on ${target.name}: every relocation of ${objects.length} objects`, () => {
      let compared = 0;
      for (const object of objects) compared += compare(object, target.path).compared;
      assert.ok(compared > 100, `only ${compared} relocations compared`);
      console.log(`# ${target.name}: ${compared} relocations of ${objects.length} objects equal libbpf's`);
    });
  }

  it("on the kernel's core_reloc selftest cases: each program object against its case's target BTF", () => {
    let compared = 0;
    const cases = coreRelocCases().cases;
    for (const c of cases) compared += compare(join(CORE_RELOC, c.object), join(CORE_RELOC, c.btf)).compared;
    assert.ok(compared > 100, `only ${compared} relocations compared`);
    console.log(`# core_reloc: ${compared} relocations of ${cases.length} cases equal libbpf's`);
  });
});
