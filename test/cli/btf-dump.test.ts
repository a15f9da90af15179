import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bpftoolDump, bpftoolMissing, KINDS_OBJECT, kernelFixtures, ROOT, tempFile } from '../fixtures.js';
import { cli } from './run.js';

describe('tsbpf btf dump', () => {
  test('format raw of a BPF object equals bpftool', { skip: bpftoolMissing() }, async () => {
    const r = await cli('btf', 'dump', 'file', KINDS_OBJECT, 'format', 'raw');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, bpftoolDump(KINDS_OBJECT).toString());
  });

  test('words abbreviate to unique prefixes, as in bpftool', async () => {
    const full = await cli('btf', 'dump', 'file', KINDS_OBJECT, 'format', 'json');
    const short = await cli('b', 'd', 'f', KINDS_OBJECT, 'fo', 'j');
    assert.equal(short.code, 0);
    assert.equal(short.stdout, full.stdout);
    assert.equal((await cli('-j', 'btf', 'dump', 'file', KINDS_OBJECT)).stdout, full.stdout);
  });

  for (const k of kernelFixtures().slice(0, 1)) {
    test(`-B gives split BTF its base (${k.release} veth)`, { skip: bpftoolMissing() }, async () => {
      const base = tempFile(`${k.release}-vmlinux`, k.vmlinux);
      const mod = tempFile(`${k.release}-veth`, k.modules.get('veth')!);
      const r = await cli('-B', base, 'btf', 'dump', 'file', mod);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, bpftoolDump(mod, { base }).toString());
      const without = await cli('btf', 'dump', 'file', mod);
      assert.equal(without.code, 1);
      assert.match(without.stderr, /^tsbpf: .*veth: .*split BTF/);
    });
  }

  test('--help on every level', async () => {
    for (const argv of [['--help'], ['btf', 'help'], ['btf', '--help'], ['btf', 'dump', '--help']]) {
      const r = await cli(...argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.stdout, /^Usage: tsbpf/);
    }
  });

  test('bad usage is one line on stderr and exit 2', async () => {
    for (const argv of [
      [],
      ['nope'],
      ['btf'],
      ['btf', 'dump'],
      ['btf', 'dump', 'file'],
      ['btf', 'dump', 'file', KINDS_OBJECT, 'format', 'yaml'],
      ['btf', 'dump', 'file', KINDS_OBJECT, 'extra'],
      ['--bogus'],
      ['-B'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').length, 1);
      assert.match(r.stderr, /^tsbpf: /);
    }
  });

  test('a missing file, a non-BTF file and a corrupt blob fail with one line naming the file', async () => {
    const missing = await cli('btf', 'dump', 'file', '/no/such/file');
    assert.deepEqual([missing.code, missing.stderr], [1, 'tsbpf: /no/such/file: no such file']);
    const notElf = tempFile('garbage', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const g = await cli('btf', 'dump', 'file', notElf);
    assert.equal(g.code, 1);
    assert.match(g.stderr, new RegExp(`^tsbpf: ${notElf}: offset 0: bad magic`));
    const noBtf = await cli('btf', 'dump', 'file', '/proc/self/exe');
    assert.equal(noBtf.code, 1);
    assert.match(noBtf.stderr, /no \.BTF section/);
  });

  test('the installed bin runs as a process and exits non-zero on errors', () => {
    const bin = join(ROOT, 'dist', 'cli', 'main.js');
    const ok = spawnSync(process.execPath, [bin, 'btf', 'dump', 'file', KINDS_OBJECT]);
    assert.equal(ok.status, 0);
    assert.match(ok.stdout.toString(), /^\[1\] /);
    const bad = spawnSync(process.execPath, [bin, 'btf', 'dump', 'file', '/no/such']);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.toString(), 'tsbpf: /no/such: no such file\n');
  });
});
