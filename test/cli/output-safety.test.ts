/**
 * The writing commands (merge, dedup, distill) never replace their own inputs, write to
 * standard output and devices straight through, and refuse empty option values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kernelFixtures, ROOT, tempDir } from '../fixtures.js';
import { cli } from './run.js';

const k = kernelFixtures().find((f) => f.modules.has('veth') && f.modules.has('xfs'));
const skip = k ? false : 'no kernel fixture with veth and xfs';
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

/** A scratch directory holding the fixture's vmlinux, veth and xfs as files. */
function scratch(): string {
  const dir = mkdtempSync(join(tempDir(), 'out-safety-'));
  writeFileSync(join(dir, 'vmlinux'), k!.vmlinux);
  writeFileSync(join(dir, 'veth'), k!.modules.get('veth')!);
  writeFileSync(join(dir, 'xfs'), k!.modules.get('xfs')!);
  return dir;
}

function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

describe('outputs never replace inputs', { skip }, () => {
  test('merge refuses an output that is the base or a module, by path, symlink or hard link', async () => {
    const dir = scratch();
    symlinkSync('vmlinux', join(dir, 'vm-link'));
    linkSync(join(dir, 'xfs'), join(dir, 'xfs-hard'));
    const before = snapshot(dir);
    const vm = join(dir, 'vmlinux');
    for (const out of ['vmlinux', 'vm-link', 'veth', 'xfs-hard']) {
      const r = await cli('btf', 'merge', '--base', vm, join(dir, 'veth'), join(dir, 'xfs'), '-o', join(dir, out));
      assert.equal(r.code, 1, out);
      assert.match(r.stderr, /^tsbpf: .*: refusing to overwrite: it is (also an input|the same file as the input .*)$/);
    }
    // A directory input stands for its files: its vmlinux is the base.
    const r = await cli('btf', 'merge', dir, '-o', join(dir, 'veth'));
    assert.equal(r.code, 1);
    assert.deepEqual(snapshot(dir), before);
  });

  test('dedup refuses its input and its base', async () => {
    const dir = scratch();
    const before = snapshot(dir);
    const veth = join(dir, 'veth');
    const vm = join(dir, 'vmlinux');
    for (const out of [veth, vm]) {
      const r = await cli('btf', 'dedup', veth, 'base', vm, '-o', out);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /refusing to overwrite/);
    }
    assert.deepEqual(snapshot(dir), before);
  });

  test('the writers share one grammar: one usage line each, -B and -o, the same options text', async () => {
    const helps = await Promise.all(['merge', 'dedup', 'distill'].map(async (c) => (await cli('btf', c, '--help')).stdout));
    for (const h of helps) {
      assert.equal(h.split('\n').filter((l) => /^\s*(Usage: )?tsbpf /.test(l)).length, 1, h);
      assert.match(h, /^Usage: tsbpf btf \w+ .*\[-B <\w+>\] -o <[\w|]+>/);
      assert.match(
        h,
        /\n {2}-B, --base <\w+> +the base BTF \(vmlinux\) the input was built on\n {2}-o, --output <[\w|]+> +where to write\n/,
      );
      assert.doesNotMatch(h, /also: |^ +base,|\bout <[A-Z]/m);
    }
    // The options are spelt the same by each: -B/--base/--base=, -o/--output/--output=.
    const dir = scratch();
    for (const [i, argv] of [
      ['btf', 'dedup', join(dir, 'veth'), '-B', join(dir, 'vmlinux'), '-o', join(dir, 'a')],
      ['btf', 'dedup', join(dir, 'veth'), `--base=${join(dir, 'vmlinux')}`, `--output=${join(dir, 'b')}`],
      ['-B', join(dir, 'vmlinux'), 'btf', 'dedup', join(dir, 'veth'), '--output', join(dir, 'c')],
    ].entries()) {
      const r = await cli(...argv);
      assert.equal(r.code, 0, `${i}: ${r.stderr}`);
    }
    assert.deepEqual(readFileSync(join(dir, 'b')), readFileSync(join(dir, 'a')));
    assert.deepEqual(readFileSync(join(dir, 'c')), readFileSync(join(dir, 'a')));
  });

  test('every writer refuses an output that is a hard link or a symlink to its module or its base', async () => {
    const dir = scratch();
    const vm = join(dir, 'vmlinux');
    const veth = join(dir, 'veth');
    for (const [name, to] of [
      ['vm', vm],
      ['veth', veth],
    ] as const) {
      linkSync(to, join(dir, `${name}-hard`));
      symlinkSync(to, join(dir, `${name}-sym`));
      // distill writes <prefix>.btf and <prefix>.btf.base
      linkSync(to, join(dir, `${name}-hard.btf`));
      symlinkSync(to, join(dir, `${name}-sym.btf.base`));
    }
    const before = snapshot(dir);
    for (const name of ['vm', 'veth']) {
      for (const how of ['hard', 'sym']) {
        const out = join(dir, `${name}-${how}`);
        for (const argv of [
          ['btf', 'merge', '--base', vm, veth, '-o', out],
          ['btf', 'dedup', veth, 'base', vm, '-o', out],
          ['btf', 'distill', veth, 'base', vm, 'out', out],
        ]) {
          const r = await cli(...argv);
          assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, /^tsbpf: .*: refusing to overwrite: it is the same file as the input .*$/, argv.join(' '));
        }
      }
    }
    assert.deepEqual(snapshot(dir), before);
  });

  test("distill's 'out DIR' beside its module is refused, and writes nothing", async () => {
    const dir = scratch();
    // veth.btf is the module here: 'out DIR' would name DIR/veth.btf.
    writeFileSync(join(dir, 'veth.btf'), k!.modules.get('veth')!);
    const before = snapshot(dir);
    const r = await cli('btf', 'distill', join(dir, 'veth.btf'), 'base', join(dir, 'vmlinux'), 'out', dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /veth\.btf: refusing to overwrite: it is also an input$/);
    assert.deepEqual(snapshot(dir), before);
  });

  test("dedup to '-' and to /dev/stdout writes the blob to standard output and the summary to standard error", () => {
    const dir = scratch();
    const expected = join(dir, 'expected');
    const ok = spawnSync(process.execPath, [
      BIN,
      'btf',
      'dedup',
      join(dir, 'veth'),
      'base',
      join(dir, 'vmlinux'),
      '-o',
      expected,
    ]);
    assert.equal(ok.status, 0, ok.stderr.toString());
    for (const out of ['-', '/dev/stdout']) {
      const r = spawnSync(process.execPath, [BIN, 'btf', 'dedup', join(dir, 'veth'), 'base', join(dir, 'vmlinux'), '-o', out]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.deepEqual(r.stdout, readFileSync(expected));
      assert.match(r.stderr.toString(), /types before, \d+ after/);
    }
    // Standard output redirected to a file: that file gets the blob, it is not renamed away.
    const redirected = join(dir, 'redirected');
    writeFileSync(redirected, '');
    const ino = statSync(redirected).ino;
    const r = spawnSync('sh', [
      '-c',
      `"$0" "$@" > ${redirected}`,
      process.execPath,
      BIN,
      'btf',
      'dedup',
      join(dir, 'veth'),
      'base',
      join(dir, 'vmlinux'),
      '-o',
      '/dev/stdout',
    ]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(statSync(redirected).ino, ino);
    assert.deepEqual(readFileSync(redirected), readFileSync(expected));
  });
});

describe('empty option values', () => {
  test('--output=, --base=, --base-btf= and --btf-dir= with nothing after = are usage errors', async () => {
    for (const argv of [
      ['btf', 'dedup', 'x', '--output='],
      ['btf', 'dedup', 'x', '--base=', '-o', 'y'],
      ['btf', 'merge', 'x', '--base-btf=', '-o', 'y'],
      ['--base-btf=', 'btf', 'dump', 'file', 'x'],
      ['--btf-dir=', 'btf', 'find', 'veth_xmit'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, /needs a value/, argv.join(' '));
    }
  });
});

describe('standard output errors', () => {
  test('a full disk on standard output is one line naming the stream', () => {
    const dir = scratch();
    const r = spawnSync('sh', [
      '-c',
      '"$0" "$@" > /dev/full',
      process.execPath,
      BIN,
      'btf',
      'dump',
      'file',
      join(dir, 'vmlinux'),
    ]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.toString(), 'tsbpf: standard output: cannot write: no space left on device (ENOSPC)\n');
  });
});
