import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CORE_FIXTURES } from '../core/fixtures.js';
import { CORE_RELOC, LIBBPF_TOOLS } from '../corpus/corpus.js';
import { HOST_VMLINUX, kernelFixtures, tempDir, tempFile } from '../fixtures.js';
import { coreRelos, oraclesUnavailable } from '../oracle/oracles.js';
import { cli } from './run.js';

const KINDS = join(CORE_FIXTURES, 'core-kinds.bpf.o');

interface Entry {
  program: string;
  insn: number;
  kind: string;
  access: string;
  local: { id: number; name: string };
  target: { object: string; id: number; name: string } | null;
  old: number | string;
  new: number | string | null;
  poison: boolean;
}

async function explainJson(...args: string[]): Promise<Entry[]> {
  const r = await cli('core', 'explain', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { relocations: Entry[] };
  assert.deepEqual(Object.keys(doc), ['relocations']);
  for (const e of doc.relocations) {
    assert.deepEqual(Object.keys(e), ['program', 'insn', 'kind', 'access', 'local', 'target', 'old', 'new', 'poison']);
  }
  return doc.relocations;
}

const sid = kernelFixtures().find((k) => k.release === 'sid');

/** sid's vmlinux and veth BTF as files, in a directory laid out like /sys/kernel/btf. */
function sidDir(): { dir: string; vmlinux: string; veth: string } {
  const dir = join(tempDir(), 'explain-sid');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinux'), sid!.vmlinux);
  writeFileSync(join(dir, 'veth'), sid!.modules.get('veth')!);
  return { dir, vmlinux: join(dir, 'vmlinux'), veth: join(dir, 'veth') };
}

describe('tsbpf core explain', () => {
  it('--json against --btf files: a module-only type relocates against its module, named with its ID', {
    skip: sid ? false : 'no sid fixture',
  }, async () => {
    const { dir, vmlinux, veth } = sidDir();
    const entries = await explainJson(KINDS, '--btf', vmlinux, '--btf', veth);
    const mod = entries.filter((e) => e.program === 'module');
    assert.deepEqual(
      mod.map((e) => [e.kind, e.target?.object, e.target?.name, e.poison]),
      [
        ['field_exists', 'veth', 'veth_rq', false],
        ['byte_off', 'veth', 'veth_rq', false],
        ['target_type_id', 'veth', 'veth_rq', false],
      ],
    );
    assert.equal(mod[2]!.new, mod[2]!.target!.id);
    // Without the module: the read is poisoned (new is null), existence is 0.
    const bare = (await explainJson(KINDS, '--btf', vmlinux)).filter((e) => e.program === 'module');
    assert.deepEqual(
      bare.map((e) => [e.kind, e.target, e.new, e.poison]),
      [
        ['field_exists', null, 0, false],
        ['byte_off', null, null, true],
        ['target_type_id', null, 0, false],
      ],
    );
    // A directory laid out like /sys/kernel/btf gives the same decisions as the same files.
    assert.deepEqual(await explainJson(KINDS, '--btf-dir', dir), entries);
    // --candidates all changes nothing here (no type is in both vmlinux and a module with another layout).
    assert.deepEqual(await explainJson(KINDS, '--btf', vmlinux, '--btf', veth, '--candidates', 'all'), entries);
    const poisonIds = (await explainJson(KINDS, '--btf', vmlinux, '--btf', veth, '--module-type-ids', 'poison')).filter(
      (e) => e.program === 'module' && e.kind === 'target_type_id',
    );
    assert.deepEqual(
      poisonIds.map((e) => [e.poison, e.new, e.target?.object]),
      [[true, null, 'veth']],
    );
  });

  it('explains in words: candidates, targets, values, poisoning and why', { skip: sid ? false : 'no sid fixture' }, async () => {
    const r = await cli('core', 'explain', KINDS, '--btf', sidDir().vmlinux);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^fields insn 2 \(raw_tp\/sys_enter relo #0\): <byte_off> \[\d+\] struct task_struct\.tgid \(0:1 @ offset 4\)$/m,
    );
    assert.match(r.stdout, /^ {2}candidate vmlinux \[\d+\] struct task_struct: matches, <byte_off> /m);
    assert.match(r.stdout, /^ {2}poisoned: none of 1 candidate matches: the instruction is poisoned$/m);
    assert.match(r.stdout, /^ {2}poisoned: the field is 8 bytes locally and 4 in the target/m);
    assert.match(r.stdout, /offset 0 → \d+, access 8 → 4 bytes$/m);
    assert.match(r.stdout, /^ {2}→ no target: immediate 1 → 0 \(no type named veth_rq/m);
  });

  it("prints libbpf's values for a libbpf-tools object (host kernel)", {
    skip: oraclesUnavailable() ?? (existsSync(HOST_VMLINUX) ? false : 'no host BTF'),
  }, async () => {
    const object = join(LIBBPF_TOOLS, 'biosnoop.bpf.o');
    const entries = await explainJson(object, '--btf', HOST_VMLINUX);
    const theirs = coreRelos(object, HOST_VMLINUX).relocations;
    assert.ok(theirs.length > 10);
    assert.deepEqual(
      entries.map((e) => [
        e.program,
        e.insn,
        e.kind,
        e.local.id,
        e.target?.id ?? null,
        e.poison,
        e.poison ? null : String(e.new),
      ]),
      theirs.map((t) => [t.program, t.insn, t.kind, t.local.id, t.target?.id ?? null, t.poison, t.poison ? null : String(t.new)]),
    );
    // Without --btf: the running kernel through /sys/kernel/btf, the same decisions.
    assert.deepEqual(await explainJson(object), entries);
  });

  it('refuses bad input with one line naming what is wrong', async () => {
    const notElf = tempFile('explain-not-elf.o', new TextEncoder().encode('not an object'));
    let r = await cli('core', 'explain', notElf, '--btf', HOST_VMLINUX);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tsbpf: .*explain-not-elf\.o/);
    r = await cli('core', 'explain', KINDS, '--btf', notElf);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tsbpf: .*explain-not-elf\.o/);
    r = await cli('core', 'explain', KINDS, '--btf', '/nonexistent/vmlinux');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/nonexistent\/vmlinux: no such file/);
    if (sid) {
      r = await cli('core', 'explain', KINDS, '--btf', sidDir().veth);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /split BTF: give the kernel's \(vmlinux\) BTF/);
    }
    r = await cli('core', 'explain');
    assert.equal(r.code, 2);
    r = await cli('core', 'explain', KINDS, '--candidates', 'some');
    assert.equal(r.code, 2);
  });

  it("fails where libbpf refuses the object, naming program, relocation and instruction (core_reloc's ambiguous size case)", async () => {
    const r = await cli(
      'core',
      'explain',
      join(CORE_RELOC, 'test_core_reloc_size.bpf.o'),
      '--btf',
      join(CORE_RELOC, 'btf__core_reloc_size___err_ambiguous.bpf.o'),
      '--json',
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^tsbpf: program test_core_size: relocation #0: insn \d+: candidates disagree: /);
    assert.match(r.stderr, /core_reloc_size___err_ambiguous1/);
    assert.match(r.stderr, /core_reloc_size___err_ambiguous2/);
  });
});
