import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadSpecFromBytes, writeJson } from '../../src/btf/index.js';
import { bpftoolDump, bpftoolMissing, collect, HOST_VMLINUX, KINDS_OBJECT, readFixture } from '../fixtures.js';

interface JsonType {
  id: number;
  kind: string;
  encoding?: string;
  values?: { name: string; val: number | bigint }[];
}

/** Parses a dump, keeping enumerator values exact (as bigint) whatever their size. */
function parseExact(text: string): { types: JsonType[] } {
  const doc = JSON.parse(text.replace(/"val":(-?\d+)/g, '"val":"$1"'));
  for (const t of doc.types as JsonType[]) {
    if (t.values) t.values = t.values.map((v) => ({ ...v, val: BigInt(v.val) }));
  }
  return doc;
}

/**
 * bpftool 7.1 prints an unsigned 32-bit enumerator >= 2^31 sign-extended to 64 bits
 * (0xffffffff as 18446744073709551615). tsbpf prints the value; docs/json-format.md lists this.
 */
function undoSignExtension(t: JsonType): JsonType {
  if (t.kind !== 'ENUM' || t.encoding !== 'UNSIGNED' || !t.values) return t;
  return { ...t, values: t.values.map((v) => ({ ...v, val: BigInt(v.val) & 0xffffffffn })) };
}

function compare(file: string, bytes: Uint8Array): void {
  const spec = loadSpecFromBytes(bytes);
  const ours = parseExact(collect((w) => writeJson(spec, w)).toString()).types;
  const theirs = parseExact(bpftoolDump(file, { json: true }).toString()).types.map(undoSignExtension);
  assert.equal(ours.length, theirs.length);
  for (let i = 0; i < ours.length; i++) assert.deepEqual(ours[i], theirs[i], `type [${ours[i]?.id}]`);
}

describe('JSON dump matches bpftool -j (with the documented enum divergence)', { skip: bpftoolMissing() }, () => {
  test('a clang-compiled BPF object', () => compare(KINDS_OBJECT, readFixture(KINDS_OBJECT)));
  test('the host kernel vmlinux', { skip: existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent` }, () =>
    compare(HOST_VMLINUX, readFixture(HOST_VMLINUX)),
  );
  test('the document parses as JSON and ends with a newline', () => {
    const text = collect((w) => writeJson(loadSpecFromBytes(readFixture(KINDS_OBJECT)), w)).toString();
    assert.ok(text.endsWith(']}\n'));
    assert.ok(Array.isArray(JSON.parse(text).types));
  });
});
