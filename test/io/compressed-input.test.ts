import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compressionOf } from '../../src/io/compressed-input.js';
import { cli } from '../cli/run.js';
import { have, kernelFixtures, tempDir } from '../fixtures.js';

const k = kernelFixtures().find((f) => f.modules.has('veth'));

describe('compressed inputs', { skip: k ? false : 'no kernel fixture with veth' }, () => {
  const tools = [
    ['xz', 'xz'],
    ['gzip', 'gz'],
    ['zstd', 'zst'],
    ['bzip2', 'bz2'],
    ['lz4', 'lz4'],
  ] as const;

  for (const [tool, ext] of tools) {
    test(`${tool}: recognised, and named in the error instead of a bad magic`, {
      skip: have(tool) ? false : `${tool} is not installed`,
    }, async () => {
      const plain = join(tempDir(), `compressed-${tool}`);
      writeFileSync(plain, k!.vmlinux.subarray(0, 1 << 16));
      const packedPath = `${plain}.${ext}`;
      const args = tool === 'lz4' ? ['-q', '-f', plain, packedPath] : ['-k', '-f', plain];
      const r = spawnSync(tool, args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const packed = packedPath;
      assert.equal(compressionOf(new Uint8Array(readFileSync(packed))), tool);
      const dump = await cli('btf', 'dump', 'file', packed);
      assert.equal(dump.code, 1);
      assert.equal(dump.stderr, `tsbpf: ${packed}: offset 0: ${tool}-compressed, not BTF: decompress it first`);
    });
  }

  test('BTF, ELF and other bytes are not taken for compressed', () => {
    assert.equal(compressionOf(k!.vmlinux), undefined);
    assert.equal(compressionOf(k!.modules.get('veth')!), undefined);
    assert.equal(compressionOf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1])), undefined);
    assert.equal(compressionOf(new Uint8Array([0x1f])), undefined);
  });
});
