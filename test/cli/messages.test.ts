/** The CLI's own lines: its version from package.json, errors on one line, causes with --debug. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, tempDir } from '../fixtures.js';
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
    assert.equal(r.stderr, `tsbpf: ${JSON.stringify(path)}: offset 0: blob of 1 bytes is too short for a BTF header`);
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
      'tsbpf: caused by: BtfError: offset 0: blob of 1 bytes is too short for a BTF header',
    ]);
  });
});
