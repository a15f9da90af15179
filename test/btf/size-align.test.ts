import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Builder, loadSpec, loadSpecFromBytes, loadSplitSpec, type Spec } from '../../src/btf/index.js';
import { alignOf, layoutOf, sizeOf, trySizeOf } from '../../src/btf/layout.js';
import { pointerSizeOf } from '../../src/btf/size-align.js';
import { BtfError } from '../../src/errors.js';
import { KINDS_OBJECT, kernelFixtures, tempFile } from '../fixtures.js';
import { ORACLE_DIR, oraclesUnavailable } from '../oracle/oracles.js';

/** libbpf's answers for every ID of a file: pointer size, and each ID's size (-1: none) and alignment (0: none). */
function libbpfLayout(file: string, base?: string): { ptrSize: number; sizes: number[]; aligns: number[] } {
  const out = execFileSync(join(ORACLE_DIR, 'bin', 'type-layout'), base ? [file, base] : [file], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const lines = out.trimEnd().split('\n');
  const ptrSize = Number(lines[0]!.split(' ')[1]);
  const sizes: number[] = [];
  const aligns: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [id, size, align] = lines[i]!.split(' ').map(Number);
    sizes[id!] = size!;
    aligns[id!] = align!;
  }
  return { ptrSize, sizes, aligns };
}

function compare(spec: Spec, file: string, base?: string): void {
  const want = libbpfLayout(file, base);
  const layout = layoutOf(spec);
  assert.equal(pointerSizeOf(spec), want.ptrSize || 8, `${file}: pointer size`);
  assert.equal(want.sizes.length, spec.nextId, `${file}: type count`);
  let sized = 0;
  for (let id = 0; id < spec.nextId; id++) {
    const size = layout.sizeOf(id);
    const align = layout.alignOf(id);
    if (size !== want.sizes[id] || align !== want.aligns[id]) {
      assert.deepEqual([size, align], [want.sizes[id], want.aligns[id]], `${file}: [${id}] size, alignment`);
    }
    if (size > 0) sized++;
  }
  assert.ok(sized > 0);
}

describe('sizes and alignments are libbpf’s', { skip: oraclesUnavailable() ?? false }, () => {
  test('every type of a BPF object and of each kernel fixture, as btf__resolve_size and btf__align_of', () => {
    compare(loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT))), KINDS_OBJECT);
    for (const k of kernelFixtures()) {
      const vmlinuxFile = tempFile(`${k.release}-vmlinux.btf`, k.vmlinux);
      const vmlinux = loadSpec(k.vmlinux);
      compare(vmlinux, vmlinuxFile);
      const [name, bytes] = [...k.modules][0]!;
      compare(loadSplitSpec(bytes, vmlinux), tempFile(`${k.release}-${name}.btf`, bytes), vmlinuxFile);
    }
  });
});

describe('size and alignment rules', () => {
  test('the pointer size is the size of long, as libbpf infers it', () => {
    const b = new Builder();
    const long = b.addInt('long int', 4, 1);
    const ll = b.addInt('long long int', 8, 1);
    const ptr = b.addPtr(ll);
    const s = b.addStruct('s', 16, [
      { name: 'p', typeId: ptr, bitOffset: 0 },
      { name: 'l', typeId: long, bitOffset: 32 },
      { name: 'q', typeId: ll, bitOffset: 64 },
    ]);
    const spec = loadSpec(b.marshal());
    assert.equal(pointerSizeOf(spec), 4);
    assert.equal(sizeOf(spec.mustTypeById(ptr)), 4);
    // A 64-bit integer aligns to the pointer size at most: 4 on a 32-bit target.
    assert.equal(alignOf(spec.mustTypeById(ll)), 4);
    assert.equal(alignOf(spec.mustTypeById(s)), 4);
  });

  test('sizes past 32 bits and chains deeper than libbpf follows have no size', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    const big = b.addArray(b.addArray(int, int, 0x10000), int, 0x10000);
    let chain = int;
    for (let i = 0; i < 40; i++) chain = b.addTypedef(`t${i}`, chain);
    const fwd = b.addFwd('later');
    const spec = loadSpec(b.marshal());
    assert.equal(trySizeOf(spec.mustTypeById(big)), undefined);
    assert.equal(trySizeOf(spec.mustTypeById(chain)), undefined);
    assert.equal(alignOf(spec.mustTypeById(chain)), 4, 'alignment follows any chain');
    assert.throws(
      () => sizeOf(spec.mustTypeById(fwd)),
      (e: unknown) => e instanceof BtfError && /fwd has no size/.test(e.message),
    );
  });
});
