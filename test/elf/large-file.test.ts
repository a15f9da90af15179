import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ElfFile, parseElf } from '../../src/elf/index.js';
import { fixtureObjects, oracleSections, readBytes, tempDir, toolsMissing } from './support.js';

const BIG = 60 * 1024 * 1024;

/** Median time in ms of `runs` calls of `fn`. */
function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] as number;
}

function findBtf(bytes: Uint8Array): Uint8Array {
  const file: ElfFile = parseElf(bytes);
  const btf = file.section('.BTF');
  assert.ok(btf);
  return file.sectionData(btf);
}

const objcopyMissing =
  spawnSync('llvm-objcopy', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'llvm-objcopy not found';

describe('opening large files touches only the headers', { skip: toolsMissing ?? objcopyMissing }, () => {
  it('finding .BTF in a 60 MB vmlinux-like ELF costs what it costs in a small object', () => {
    // A real BTF blob at the front of a 60 MB .BTF section, added by llvm-objcopy, which puts
    // the section header table after it at the end of the file, as in vmlinux.
    const small = readBytes(fixtureObjects().get('bpf (little-endian)') as string);
    const smallFile = parseElf(small);
    const blob = smallFile.sectionData(smallFile.section('.BTF') as NonNullable<ReturnType<ElfFile['section']>>);
    const payload = new Uint8Array(BIG);
    payload.set(blob);
    const dir = tempDir();
    writeFileSync(join(dir, 'btf.bin'), payload);
    const host = fixtureObjects().get('x86-64 object (RELA)') as string;
    const out = join(dir, 'vmlinux-like.o');
    const r = spawnSync('llvm-objcopy', ['--add-section', `.BTF=${join(dir, 'btf.bin')}`, host, out], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const big = readBytes(out);
    assert.ok(big.length > BIG);

    const data = findBtf(big);
    assert.equal(data.buffer, big.buffer, 'a view of the file, not a copy');
    assert.equal(data.length, BIG);
    assert.deepEqual(data.subarray(0, blob.length), blob);
    const want = oracleSections(out).find((s) => s.name === '.BTF');
    assert.equal(data.byteOffset - big.byteOffset, want?.offset);

    const bigMs = median(21, () => findBtf(big));
    const smallMs = median(21, () => findBtf(small));
    console.log(
      `open + find .BTF: ${(bigMs * 1000).toFixed(1)} µs for ${big.length} bytes, ${(smallMs * 1000).toFixed(1)} µs for ${small.length} bytes`,
    );
    // Reading the 60 MB even once would take tens of milliseconds.
    assert.ok(bigMs < 2, `${bigMs} ms`);
  });

  const lib = ['/usr/lib/llvm-14/lib/libLLVM-14.so.1', '/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1'].find(existsSync);
  it('a 100 MB shared library opens in well under a millisecond per megabyte', {
    skip: lib === undefined ? 'no libLLVM on this machine' : undefined,
  }, () => {
    const bytes = readBytes(lib as string);
    const ms = median(11, () => parseElf(bytes).section('.dynsym'));
    console.log(`${lib}: ${bytes.length} bytes opened in ${(ms * 1000).toFixed(1)} µs`);
    const file = parseElf(bytes);
    assert.deepEqual(
      file.sections.map((s) => [s.name, s.offset, s.size]),
      oracleSections(lib as string).map((s) => [s.name, s.offset, s.size]),
    );
    assert.ok(ms < 5, `${ms} ms`);
  });
});
