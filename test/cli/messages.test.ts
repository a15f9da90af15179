/** The CLI's own lines: its version from package.json, errors on one line, causes with --debug. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bpftoolMissing, kernelFixtures, ROOT, tempDir } from '../fixtures.js';
import { cli } from './run.js';

describe('CLI messages', () => {
  test('--version prints the version package.json holds', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await cli('--version');
    assert.equal(r.stdout, `tsbpf v${pkg.version}\n`);
  });

  test('a path with a newline stays whole, on one line', async () => {
    const path = join(tempDir(), 'line\nbreak');
    writeFileSync(path, 'x');
    const r = await cli('btf', 'dump', 'file', path);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `tsbpf: ${JSON.stringify(path)}: offset 0: blob of 1 bytes is too short for a BTF header (kernel: "hdr_len not found")`,
    );
    const usage = await cli('bad\nword');
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr.split('\n').length, 1);
    assert.match(usage.stderr, /'bad\\nword'/);
  });

  test('--debug adds the causes behind an error', async () => {
    const path = join(tempDir(), 'one-byte');
    writeFileSync(path, 'x');
    const plain = await cli('btf', 'dump', 'file', path);
    const debug = await cli('--debug', 'btf', 'dump', 'file', path);
    assert.equal(debug.code, 1);
    assert.deepEqual(debug.stderr.split('\n'), [
      plain.stderr,
      'tsbpf: caused by: BtfRuleError: offset 0: blob of 1 bytes is too short for a BTF header (kernel: "hdr_len not found")',
    ]);
  });

  test('a mistyped word gets a "did you mean", a word far from all keywords none', async () => {
    for (const [argv, want] of [
      [['btf', 'dmp'], "unknown btf command 'dmp' (did you mean 'dump'? expected one of:"],
      [['btf', 'mrege'], "unknown btf command 'mrege' (did you mean 'merge'? expected one of:"],
      [['bft', 'dump'], "unknown object or command 'bft' (did you mean 'btf'? expected one of:"],
      [['btf', 'dump', 'fiel', 'x'], "unknown dump source 'fiel' (did you mean 'file'? expected one of:"],
      [['btf', 'dump', 'file', 'x', 'fromat', 'c'], "btf dump: unexpected argument 'fromat' (did you mean 'format'?)"],
      [['btf', 'dump', 'file', 'x', 'format', 'jsno'], "unknown format 'jsno' (did you mean 'json'? expected one of:"],
    ] as const) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.ok(r.stderr.startsWith(`tsbpf: ${want}`), `${argv.join(' ')}: ${r.stderr}`);
    }
    for (const argv of [
      ['btf', 'xyzzy'],
      ['btf', 'dump', 'file', 'x', 'format', 'header'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.doesNotMatch(r.stderr, /did you mean/, argv.join(' '));
    }
  });

  test("'btf show' is bpftool's alias of 'btf list', and 'btf s' abbreviates it", async () => {
    const list = await cli('btf', 'list', '--help');
    for (const word of ['show', 's', 'sh']) assert.equal((await cli('btf', word, '--help')).stdout, list.stdout, word);
    assert.match((await cli('btf', 'help')).stdout, /\n {2}show +the same as 'list'/);
    // No abbreviation that meant another command before changes.
    for (const [word, usage] of [
      ['d', 'btf dump'],
      ['l', 'btf {list|show}'],
      ['m', 'btf merge'],
    ] as const) {
      assert.ok((await cli('btf', word, '--help')).stdout.startsWith(`Usage: tsbpf ${usage}`), word);
    }
  });

  test('--debug after the command words is the global option, wherever it stands', async () => {
    const path = join(tempDir(), 'one-byte-after');
    writeFileSync(path, 'x');
    const before = await cli('--debug', 'btf', 'dump', 'file', path);
    for (const argv of [
      ['btf', 'dump', 'file', path, '--debug'],
      ['btf', '--debug', 'dump', 'file', path],
      ['btf', 'dump', 'file', path, 'format', 'raw', '--debug'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.equal(r.stderr, before.stderr.replace('one-byte-after', 'one-byte-after'), argv.join(' '));
    }
    const k = kernelFixtures()[0];
    if (!k) return;
    const vm = join(tempDir(), 'debug-vmlinux');
    writeFileSync(vm, k.vmlinux);
    const ok = await cli('btf', 'dump', 'file', vm, 'format', 'raw', '--debug');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, (await cli('btf', 'dump', 'file', vm, 'format', 'raw')).stdout);
  });
});

describe("global options anywhere, as bpftool's", { skip: bpftoolMissing() ?? false }, () => {
  const k = kernelFixtures()[0];
  /** Exit status and standard output of bpftool and of tsbpf for the same words. */
  async function both(argv: string[]): Promise<{ peer: { code: number; out: string }; ours: { code: number; out: string } }> {
    const p = spawnSync('bpftool', argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const r = await cli(...argv);
    return { peer: { code: p.status ?? -1, out: p.stdout }, ours: { code: r.code, out: r.stdout } };
  }

  test('-j and -B after the command words mean what they mean before them', {
    skip: k ? false : 'no kernel fixture',
  }, async () => {
    const vm = join(tempDir(), 'anywhere-vmlinux');
    const veth = join(tempDir(), 'anywhere-veth');
    writeFileSync(vm, k!.vmlinux);
    writeFileSync(veth, k!.modules.get('veth')!);
    for (const argv of [
      ['btf', 'dump', 'file', veth, '-B', vm, '-j'],
      ['btf', 'dump', 'file', veth, 'format', 'raw', '--base-btf', vm, '--json'],
      ['btf', 'dump', '-j', 'file', veth, '-B', vm],
      ['-j', 'btf', 'dump', 'file', veth, '-B', vm],
      ['btf', 'dump', 'file', veth, '-B', vm],
    ]) {
      const { peer, ours } = await both(argv);
      assert.equal(peer.code, 0, `bpftool ${argv.join(' ')}`);
      assert.equal(ours.code, 0, argv.join(' '));
      assert.equal(ours.out, peer.out, argv.join(' '));
    }
  });

  test('an unknown option after the command words, an option after --, and JSON of format c are refused by both', async () => {
    const vm = join(tempDir(), 'anywhere-vmlinux-2');
    writeFileSync(vm, k?.vmlinux ?? new Uint8Array(0));
    for (const argv of [
      ['btf', 'dump', 'file', vm, '--bogus'],
      ['btf', 'dump', 'file', vm, 'format', 'raw', '--', '-j'],
      ['btf', 'dump', 'file', vm, 'format', 'c', '-j'],
    ]) {
      const { peer, ours } = await both(argv);
      assert.notEqual(peer.code, 0, `bpftool ${argv.join(' ')}`);
      assert.equal(ours.code, 2, argv.join(' '));
    }
  });
});
