/**
 * A --btf-dir holding what is not a module's BTF: FIFOs, devices, dangling symlinks, names that
 * are not UTF-8, a vmlinux.ko. Lookups neither hang nor mistake them for modules, and each is
 * named in a warning.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { BtfDirectory } from '../../src/kernel/btf-directory.js';
import { kernelFixtures, ROOT, tempDir } from '../fixtures.js';

const k = kernelFixtures().find((f) => f.modules.has('veth'));
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

/** A directory with a real vmlinux and veth, and one of every kind of entry that is not a module. */
function oddDirectory(): string {
  const dir = mkdtempSync(join(tempDir(), 'btf-dir-'));
  writeFileSync(join(dir, 'vmlinux'), k!.vmlinux);
  writeFileSync(join(dir, 'veth'), k!.modules.get('veth')!);
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync('fifo', join(dir, 'fifo-link'));
  symlinkSync('/dev/zero', join(dir, 'zero'));
  symlinkSync('nowhere', join(dir, 'dangling'));
  // A copy of veth named vmlinux.ko: not vmlinux, and no module may be named vmlinux.
  writeFileSync(join(dir, 'vmlinux.ko'), k!.modules.get('veth')!);
  writeFileSync(
    Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('-name')]),
    k!.modules.get('veth')!,
  );
  mkdirSync(join(dir, 'subdir'));
  return dir;
}

describe('odd entries in a --btf-dir', { skip: k ? false : 'no kernel fixture with veth' }, () => {
  test('the listing holds only regular files, and warns once about each other entry', () => {
    const dir = oddDirectory();
    const warnings: string[] = [];
    const d = new BtfDirectory(dir, (m) => warnings.push(m));
    assert.deepEqual([...d.modules().keys()], ['veth']);
    assert.deepEqual(warnings.sort(), [
      `${dir}/"bad-\\xff\\xfe-name": skipped: the file name is not valid UTF-8`,
      `${dir}/dangling: skipped: a dangling symlink (to nowhere)`,
      `${dir}/fifo-link: skipped: not a regular file (a symlink to a FIFO)`,
      `${dir}/fifo: skipped: not a regular file (a FIFO)`,
      `${dir}/vmlinux.ko: skipped: a module cannot be named vmlinux (vmlinux's BTF is the file 'vmlinux')`,
      `${dir}/zero: skipped: not a regular file (a symlink to a character device)`,
    ]);
    d.modules();
    assert.equal(warnings.length, 6, 'a second listing does not repeat the warnings');
  });

  test('btf find neither hangs nor takes vmlinux.ko for vmlinux', () => {
    const dir = oddDirectory();
    const r = spawnSync(process.execPath, [BIN, 'btf', 'find', 'veth_xmit', '--btf-dir', dir], { timeout: 60_000 });
    assert.equal(r.signal, null, 'finished in time');
    assert.equal(r.status, 0, r.stderr.toString());
    const lines = r.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^veth {2}\[\d+\] FUNC 'veth_xmit'/);
    const warnings = r.stderr.toString();
    for (const name of ['fifo', 'fifo-link', 'zero', 'dangling', 'vmlinux.ko', '"bad-\\xff\\xfe-name"']) {
      assert.ok(warnings.includes(`${dir}/${name}: skipped: `), `${name} named in: ${warnings}`);
    }
  });

  test('a directory whose name lost non-UTF-8 bytes says so', () => {
    const d = new BtfDirectory(join(tempDir(), 'bad-\ufffd-dir'));
    assert.throws(
      () => d.modules(),
      (e: unknown) => e instanceof NotFoundError && /not valid UTF-8/.test(e.message),
    );
  });

  test("a FIFO as the directory's vmlinux is refused, not waited on", () => {
    const dir = mkdtempSync(join(tempDir(), 'btf-dir-fifo-'));
    spawnSync('mkfifo', [join(dir, 'vmlinux')]);
    const r = spawnSync(process.execPath, [BIN, 'btf', 'find', 'x', '--btf-dir', dir], { timeout: 60_000 });
    assert.equal(r.signal, null, 'finished in time');
    assert.equal(r.status, 1);
    assert.equal(r.stderr.toString(), `tsbpf: ${dir}/vmlinux: not a regular file (a FIFO); refusing to read it\n`);
  });
});
