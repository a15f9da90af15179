/**
 * -p lays JSON out as bpftool -p does: the BTF dump beside bpftool's, and the re-layout itself
 * on values that stress it (strings holding structural characters, empty and nested containers,
 * input split at every position).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { jsonText, prettyJson } from '../../src/cli/json-out.js';
import { bpftoolMissing, HOST_VMLINUX, KINDS_OBJECT, tempDir } from '../fixtures.js';
import { cli } from './run.js';

/**
 * bpftool 7.1 prints an unsigned 32-bit enumerator >= 2^31 sign-extended to 64 bits;
 * docs/json-format.md lists this divergence. Undone here, the rest must match byte for byte.
 */
function undoSignExtension(text: string): string {
  let kind = '';
  return text.replace(/"kind": "(\w+)"|("val": )(\d{10,})/g, (m, k: string | undefined, head: string, v: string) => {
    if (k !== undefined) {
      kind = k;
      return m;
    }
    return kind === 'ENUM' && BigInt(v) > 0xffffffffn ? head + String(BigInt(v) & 0xffffffffn) : m;
  });
}

describe('-p', () => {
  // The layout does not depend on what the types are: the object holding every kind covers it
  // (vmlinux's -j is compared with bpftool's in test/btf/json-dump.test.ts).
  for (const file of [KINDS_OBJECT]) {
    test(`btf dump file ${file} -p equals bpftool -p`, {
      skip: bpftoolMissing() || (!existsSync(file) && `${file} is absent`),
    }, async () => {
      // Through a file: reading megabytes from a pipe costs seconds of small reads.
      const path = join(tempDir(), `bpftool-p-${process.pid}.json`);
      const fd = openSync(path, 'w');
      try {
        execFileSync('bpftool', ['-p', 'btf', 'dump', 'file', file], { stdio: ['ignore', fd, 'inherit'] });
      } finally {
        closeSync(fd);
      }
      const theirs = readFileSync(path, 'utf8');
      rmSync(path);
      const ours = await cli('-p', 'btf', 'dump', 'file', file);
      assert.equal(ours.code, 0);
      const want = undoSignExtension(theirs);
      if (ours.stdout === want) return;
      // A difference is shown by its first line rather than as megabytes.
      const a = ours.stdout.split('\n');
      const b = want.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      assert.equal(a[i], b[i], `line ${i + 1}`);
      assert.equal(a.length, b.length);
    });
  }

  test('btf find -p is the -j document laid out', async () => {
    const dir = `${HOST_VMLINUX.replace(/\/vmlinux$/, '')}`;
    if (!existsSync(HOST_VMLINUX)) return;
    const j = await cli('-j', 'btf', 'find', 'task_struct', '--btf-dir', dir);
    const p = await cli('-p', 'btf', 'find', 'task_struct', '--btf-dir', dir);
    assert.deepEqual(JSON.parse(p.stdout), JSON.parse(j.stdout));
    assert.equal(p.stdout, jsonText(JSON.parse(j.stdout), true));
    assert.match(p.stdout, /^\[\{\n {8}"object": "vmlinux",\n/);
  });

  const samples: unknown[] = [
    [],
    {},
    [[], {}, [[]], [{}]],
    { a: [1, 2, 3], b: { c: [] }, d: [{ e: 'x' }, { f: null }], g: true, h: -1.5e-7 },
    ['a,b', '{"k":[1]}', 'quote " and \\ backslash', 'colon: x', 'new\nline', '\u0001', 'é✓'],
    { '': '', 'key with "quotes"': { ',': ':' } },
    'just a string',
    42,
  ];

  test('the layout is JSON of the same value, compact without -p', () => {
    for (const v of samples) {
      assert.equal(jsonText(v, false), `${JSON.stringify(v)}\n`);
      assert.deepEqual(JSON.parse(jsonText(v, true)), v);
    }
    assert.equal(
      jsonText([{ id: 1, ids: [3, 4], none: [], o: {} }], true),
      '[{\n        "id": 1,\n        "ids": [3,4\n        ],\n        "none": [],\n        "o": {}\n    }\n]\n',
    );
  });

  test('input split anywhere lays out the same', () => {
    for (const v of samples) {
      const compact = JSON.stringify(v);
      const whole = jsonText(v, true);
      for (let cut = 0; cut <= compact.length; cut++) {
        let out = '';
        const p = prettyJson((c) => {
          out += c;
        });
        p.write(compact.slice(0, cut));
        p.write(compact.slice(cut));
        p.end();
        assert.equal(out, whole, `cut at ${cut}`);
      }
    }
  });
});
