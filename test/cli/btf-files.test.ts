/**
 * How the commands open BTF files: one library call (openBtfFile) for raw BTF and ELF, with a
 * base, with a distilled base relocated; errors that name the file and, for split BTF on the
 * wrong base, say so; bases that cannot be bases refused; many warnings summarised.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { distillBase } from '../../src/btf/distill.js';
import { loadSpecFromBytes } from '../../src/btf/load.js';
import { loadSpec } from '../../src/btf/spec.js';
import { BtfError, UsageError } from '../../src/errors.js';
import { openBtfFile } from '../../src/kernel/btf-file.js';
import { FIXTURES, have, kernelFixtures, readFixture, tempDir } from '../fixtures.js';
import { cli } from './run.js';

const bookworm = kernelFixtures().find((f) => f.release === 'bookworm');
const other = kernelFixtures().find((f) => f.release !== 'bookworm' && f.modules.has('veth'));
const skip = bookworm && other ? false : 'needs the bookworm fixture and another kernel with veth';

/** A scratch directory with bookworm's vmlinux and veth, and another kernel's veth. */
function scratch(): string {
  const dir = mkdtempSync(join(tempDir(), 'btf-files-'));
  writeFileSync(join(dir, 'vmlinux'), bookworm!.vmlinux);
  writeFileSync(join(dir, 'veth'), bookworm!.modules.get('veth')!);
  writeFileSync(join(dir, 'other-veth'), other!.modules.get('veth')!);
  return dir;
}

describe('opening BTF files', { skip }, () => {
  test("another kernel's module on vmlinux, either way round, is reported as such by every command that takes a base", async () => {
    const dir = scratch();
    // bookworm's veth on the other kernel's (larger) vmlinux: its IDs and offsets all land in
    // range, so only its names (inside other strings) tell; and the other way round.
    writeFileSync(join(dir, 'other-vmlinux'), other!.vmlinux);
    for (const [mod, vm] of [
      [join(dir, 'veth'), join(dir, 'other-vmlinux')],
      [join(dir, 'other-veth'), join(dir, 'vmlinux')],
    ] as const) {
      const btfDir = mkdtempSync(join(tempDir(), 'wrong-base-dir-'));
      copyFileSync(vm, join(btfDir, 'vmlinux'));
      copyFileSync(mod, join(btfDir, 'veth'));
      for (const argv of [
        ['btf', 'dump', 'file', mod, '-B', vm],
        ['btf', 'merge', '--base', vm, mod, '-o', join(dir, 'out')],
        ['btf', 'dedup', mod, 'base', vm, '-o', join(dir, 'out')],
        ['btf', 'distill', mod, 'base', vm, 'out', join(dir, 'out')],
      ]) {
        const r = await cli(...argv);
        assert.equal(r.code, 1, argv.join(' '));
        assert.match(
          r.stderr,
          new RegExp(
            `^tsbpf: ${mod}: type \\[\\d+\\].* \\(is it split BTF built on another vmlinux than ${vm}\\? Of its \\d+ names, \\d+ start inside other strings.*\\)$`,
          ),
          argv.join(' '),
        );
      }
      const r = await cli('--btf-dir', btfDir, 'btf', 'find', 'veth_xmit');
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `^tsbpf: warning: module veth: ${btfDir}/veth: type .* \\(is it split BTF built on another vmlinux than ${btfDir}/vmlinux\\? Of its \\d+ names`,
        ),
      );
    }
  });

  test('split BTF on the wrong base names the file and asks whether it was built on another vmlinux', async () => {
    const dir = scratch();
    const vm = join(dir, 'vmlinux');
    const mod = join(dir, 'other-veth');
    await assert.rejects(
      () => openBtfFile(mod, { base: vm, validate: true }),
      (e: unknown) =>
        e instanceof BtfError &&
        e.typeId !== undefined &&
        e.message.startsWith(`${mod}: type [`) &&
        e.message.includes(`(is it split BTF built on another vmlinux than ${vm}? Of its `) &&
        e.cause instanceof BtfError,
    );
    for (const argv of [
      ['btf', 'dedup', mod, 'base', vm, '-o', join(dir, 'out')],
      ['btf', 'distill', mod, 'base', vm, 'out', join(dir, 'out')],
      ['-B', vm, 'btf', 'dump', 'file', mod],
      ['btf', 'merge', '--base', vm, mod, '-o', join(dir, 'out')],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.equal(r.stderr.split('\n').length, 1);
      assert.match(r.stderr, new RegExp(`^tsbpf: .*${mod}.*another vmlinux`), argv.join(' '));
    }
  });

  test('a base that is the file itself, the same bytes, or split BTF is refused', async () => {
    const dir = scratch();
    const vm = join(dir, 'vmlinux');
    await assert.rejects(
      () => openBtfFile(vm, { base: vm }),
      (e: unknown) => e instanceof UsageError && /its own base/.test(e.message),
    );
    const copy = join(dir, 'vmlinux-copy');
    copyFileSync(vm, copy);
    await assert.rejects(() => openBtfFile(copy, { base: vm }), /is the same BTF as its base/);
    const r = await cli('-B', join(dir, 'veth'), 'btf', 'dump', 'file', join(dir, 'veth'));
    assert.equal(r.code, 2);
    const split = await cli('-B', join(dir, 'veth'), 'btf', 'dump', 'file', join(dir, 'other-veth'));
    assert.equal(split.code, 1);
    assert.match(split.stderr, /veth: .*looks like split BTF/);
  });

  test('merge relocates a .ko carrying a distilled base (.BTF.base) onto its base', {
    skip: have('llvm-objcopy') ? false : 'llvm-objcopy is not installed',
  }, async () => {
    const dir = scratch();
    const ko = readFixture(join(FIXTURES, 'kernels', 'bookworm', 'veth.ko.br'));
    const vmlinux = loadSpec(bookworm!.vmlinux);
    const d = distillBase(loadSpecFromBytes(ko, vmlinux));
    writeFileSync(join(dir, 'in.ko'), ko);
    writeFileSync(join(dir, 'split.btf'), d.split);
    writeFileSync(join(dir, 'base.btf'), d.base);
    execFileSync('llvm-objcopy', [
      `--update-section=.BTF=${join(dir, 'split.btf')}`,
      `--add-section=.BTF.base=${join(dir, 'base.btf')}`,
      join(dir, 'in.ko'),
      join(dir, 'distilled.ko'),
    ]);
    const vm = join(dir, 'vmlinux');
    const plain = await cli('btf', 'merge', '--base', vm, join(dir, 'in.ko'), '-o', join(dir, 'plain.btf'));
    assert.equal(plain.code, 0, plain.stderr);
    const distilled = await cli('btf', 'merge', '--base', vm, join(dir, 'distilled.ko'), '-o', join(dir, 'distilled.btf'));
    assert.equal(distilled.code, 0, distilled.stderr);
    assert.deepEqual(readFileSync(join(dir, 'distilled.btf')), readFileSync(join(dir, 'plain.btf')));
  });

  test("merge skips a directory's FIFOs and non-UTF-8 names with a warning naming each", async () => {
    const dir = mkdtempSync(join(tempDir(), 'merge-dir-'));
    writeFileSync(join(dir, 'vmlinux'), bookworm!.vmlinux);
    writeFileSync(join(dir, 'veth'), bookworm!.modules.get('veth')!);
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    writeFileSync(Buffer.from(`${dir}/bad-\xff`, 'latin1'), bookworm!.modules.get('veth')!);
    const r = await cli('btf', 'merge', dir, '-o', join(tempDir(), 'merge-dir.btf'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^merged 1 inputs/);
    assert.deepEqual(r.stderr.split('\n').sort(), [
      `tsbpf: warning: ${dir}/"bad-\\xff": skipped: the file name is not valid UTF-8`,
      `tsbpf: warning: ${dir}/fifo: skipped: not a regular file (a FIFO)`,
    ]);
  });

  test("merge skips a directory's subdirectories and broken modules with a warning, and counts them", async () => {
    const dir = mkdtempSync(join(tempDir(), 'merge-broken-'));
    writeFileSync(join(dir, 'vmlinux'), bookworm!.vmlinux);
    writeFileSync(join(dir, 'veth'), bookworm!.modules.get('veth')!);
    writeFileSync(join(dir, 'xfs'), bookworm!.modules.get('xfs')!);
    writeFileSync(join(dir, 'other-veth'), other!.modules.get('veth')!);
    const bad = new Uint8Array(bookworm!.modules.get('veth')!);
    new DataView(bad.buffer).setUint32(24 + 4, 0xffffffff, true);
    writeFileSync(join(dir, 'junk'), bad);
    mkdirSync(join(dir, 'subdir'));
    const out = join(dir, 'merged.btf');
    const r = await cli('btf', 'merge', dir, '-o', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^merged 2 inputs \(3 skipped, 2 of them broken BTF\): /);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.ok(
      lines.some((l) => l === `tsbpf: warning: ${dir}/subdir: skipped: a directory (only the files of ${dir} are modules)`),
    );
    assert.ok(lines.some((l) => l.startsWith(`tsbpf: warning: ${dir}/junk: `) && l.endsWith(' (skipped)')));
    assert.ok(lines.some((l) => l.startsWith(`tsbpf: warning: ${dir}/other-veth: `) && l.includes('another vmlinux')));
    // What was merged is what the two good modules give alone.
    const alone = join(tempDir(), 'merge-good-only.btf');
    const good = await cli('btf', 'merge', '-B', join(dir, 'vmlinux'), join(dir, 'veth'), join(dir, 'xfs'), '-o', alone);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(readFileSync(out), readFileSync(alone));
    // --strict: the first broken module is an error; and a module named on the command line must be good.
    for (const argv of [
      ['btf', 'merge', dir, '-o', join(tempDir(), 'strict.btf'), '--strict'],
      ['btf', 'merge', '-B', join(dir, 'vmlinux'), join(dir, 'veth'), join(dir, 'junk'), '-o', join(tempDir(), 'named.btf')],
    ]) {
      const e = await cli(...argv);
      assert.equal(e.code, 1, argv.join(' '));
      assert.doesNotMatch(e.stderr, /warning: .*(junk|other-veth)/, argv.join(' '));
    }
  });

  test('a --btf-dir of many broken files gives a few warnings and a count', async () => {
    const dir = mkdtempSync(join(tempDir(), 'garbage-dir-'));
    writeFileSync(join(dir, 'vmlinux'), bookworm!.vmlinux);
    writeFileSync(join(dir, 'veth'), bookworm!.modules.get('veth')!);
    // Broken split BTF that still holds the name looked up, so each file is decoded and fails.
    const bad = new Uint8Array(bookworm!.modules.get('veth')!);
    new DataView(bad.buffer).setUint32(24 + 4, 0xffffffff, true);
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `junk${String(i).padStart(2, '0')}`), bad);
    const r = await cli('--btf-dir', dir, 'btf', 'find', 'veth_xmit');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 11, r.stderr);
    assert.ok(lines.slice(0, 10).every((l) => /^tsbpf: warning: module junk\d\d: .* \(skipped\)$/.test(l)));
    assert.equal(lines[10], 'tsbpf: warning: ... and 20 more warnings like these');
  });
});
