/**
 * Every place a command reads a file from (a file argument, -B, a base keyword, a merge module,
 * a --btf-dir's vmlinux) takes the same care: a FIFO or an endless device is refused at once,
 * naming it, and a file the user may not read is one line with the errno's text once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kernelFixtures, ROOT, tempDir } from '../fixtures.js';

const k = kernelFixtures().find((f) => f.modules.has('veth'));
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

/** Every command line that reads `bad` in one input position, with good files elsewhere. */
function positions(bad: string, vm: string, veth: string, out: string): string[][] {
  const dir = mkdtempSync(join(tempDir(), 'positions-dir-'));
  symlinkSync(bad, join(dir, 'vmlinux'));
  symlinkSync(veth, join(dir, 'veth'));
  return [
    ['btf', 'dump', 'file', bad],
    ['btf', 'dump', 'file', veth, '-B', bad],
    ['-B', bad, 'btf', 'dump', 'file', veth],
    ['btf', 'merge', '--base', bad, veth, '-o', out],
    ['btf', 'merge', '--base', vm, veth, bad, '-o', out],
    ['btf', 'dedup', bad, '-o', out],
    ['btf', 'dedup', veth, 'base', bad, '-o', out],
    ['btf', 'distill', bad, 'base', vm, 'out', out],
    ['btf', 'distill', veth, 'base', bad, 'out', out],
    ['--btf-dir', dir, 'btf', 'find', 'veth_xmit'],
    ['btf', 'merge', dir, '-o', out],
  ];
}

describe('every input position', { skip: k ? false : 'no kernel fixture with veth' }, () => {
  const scratch = mkdtempSync(join(tempDir(), 'positions-'));
  const vm = join(scratch, 'vmlinux');
  const veth = join(scratch, 'veth');
  writeFileSync(vm, k!.vmlinux);
  writeFileSync(veth, k!.modules.get('veth')!);
  const fifo = join(scratch, 'fifo');
  spawnSync('mkfifo', [fifo]);

  for (const [bad, what] of [
    [fifo, 'a FIFO'],
    ['/dev/zero', 'a character device'],
    ['/dev/urandom', 'a character device'],
  ] as const) {
    test(`refuses ${bad} at once, naming it`, () => {
      for (const argv of positions(bad, vm, veth, join(scratch, 'out'))) {
        const r = spawnSync(process.execPath, [BIN, ...argv], { timeout: 60_000, encoding: 'utf8' });
        assert.equal(r.signal, null, `${argv.join(' ')}: finished in time`);
        assert.equal(r.status, 1, `${argv.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`not a regular file \\((a symlink to )?${what}\\)`), argv.join(' '));
      }
    });
  }

  test('a file that may not be read, as nobody: one line, the errno text once', {
    skip: process.getuid?.() === 0 ? false : 'needs root to run as nobody',
  }, () => {
    const dir = mkdtempSync(join(tempDir(), 'positions-nobody-'));
    chmodSync(tempDir(), 0o755);
    chmodSync(dir, 0o755);
    const secret = join(dir, 'secret');
    writeFileSync(secret, k!.vmlinux);
    chmodSync(secret, 0o600);
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const mod = join(open, 'veth');
    writeFileSync(mod, k!.modules.get('veth')!);
    chmodSync(mod, 0o644);
    for (const argv of [
      ['btf', 'dump', 'file', secret],
      ['btf', 'dump', 'file', mod, '-B', secret],
      ['btf', 'merge', '--base', secret, mod, '-o', join(open, 'out')],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...argv], { uid: 65534, gid: 65534, timeout: 60_000, encoding: 'utf8' });
      assert.equal(r.status, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `tsbpf: ${secret}: cannot open: permission denied (EACCES)\n`, argv.join(' '));
    }
    // An output where nobody may not write: named as given, never a temporary file.
    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o755 });
    const ok = join(open, 'vmlinux');
    writeFileSync(ok, k!.vmlinux);
    chmodSync(ok, 0o644);
    const r = spawnSync(process.execPath, [BIN, 'btf', 'merge', '--base', ok, mod, '-o', join(closed, 'out')], {
      uid: 65534,
      gid: 65534,
      timeout: 60_000,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `tsbpf: ${join(closed, 'out')}: cannot write: permission denied (EACCES)\n`);
  });
});
