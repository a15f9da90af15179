/**
 * The directory registry against the committed kernel fixtures: a temporary directory laid out
 * like /sys/kernel/btf holds each release's vmlinux and modules (and broken ones).
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatRaw } from '../../src/btf/format/raw.js';
import { loadSpec, loadSplitSpec } from '../../src/btf/spec.js';
import { AmbiguousError, BtfError, NotFoundError } from '../../src/errors.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { bpftoolDump, FIXTURES, have, kernelFixtures, readFixture } from '../fixtures.js';
import { kernelDir, openFds } from './support.js';

const kernels = kernelFixtures();
if (kernels.length === 0) console.log('# skipping registry fixture tests: no test/fixtures/kernels/<release>/vmlinux.btf.br');

/** The ID the raw dump of a module file shows for `FUNC 'name'` (bpftool when present). */
function dumpedId(dir: string, module: string, kind: string, name: string): number | undefined {
  const path = join(dir, module);
  const text = have('bpftool')
    ? bpftoolDump(path, { base: join(dir, 'vmlinux') }).toString()
    : formatRaw(loadSplitSpec(readFileSync(path), loadSpec(readFileSync(join(dir, 'vmlinux')))));
  const m = new RegExp(`^\\[(\\d+)\\] ${kind} '${name}'`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Modules whose raw bytes hold `name` as a string: the most a lookup may decode. */
function holders(modules: Map<string, Uint8Array>, name: string): string[] {
  const needle = Buffer.from(`\0${name}\0`);
  return [...modules].filter(([, b]) => Buffer.from(b).includes(needle)).map(([m]) => m);
}

/** An empty module: a 24-byte header, no types, no strings. */
function emptyBtf(): Uint8Array {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(0xeb9f, 0);
  b.writeUInt8(1, 2);
  b.writeUInt32LE(24, 4);
  return b;
}

for (const k of kernels) {
  describe(`registry on ${k.release}`, () => {
    const dir = kernelDir(k);

    test('lists every module, and vmlinux equals the file', () => {
      const r = new KernelRegistry({ dir });
      assert.deepEqual(r.modules(), [...k.modules.keys()].sort());
      assert.deepEqual(Buffer.from(r.vmlinux().bytes), Buffer.from(k.vmlinux));
      assert.equal(r.live, false);
      assert.equal(r.objectId('vmlinux'), undefined);
    });

    test('finds veth_xmit in module veth with the raw dump ID, decoding only candidates', () => {
      const r = new KernelRegistry({ dir });
      const matches = r.find('veth_xmit');
      assert.equal(matches.length, 1);
      const m = matches[0]!;
      assert.equal(m.object, 'veth');
      assert.equal(m.kind, 'func');
      assert.equal(m.objectId, undefined);
      assert.equal(m.typeId, dumpedId(dir, 'veth', 'FUNC', 'veth_xmit'));
      assert.equal(m.type.name, 'veth_xmit');
      assert.equal(m.type.kind, 'func');
      assert.ok(m.typeId >= r.vmlinux().nextId, 'module IDs continue after vmlinux');
      assert.equal(r.decodedModules, holders(k.modules, 'veth_xmit').length);
      assert.ok(r.decodedModules < k.modules.size);
      // Qualified names.
      assert.equal(r.find('veth:veth_xmit')[0]?.typeId, m.typeId);
      assert.deepEqual(r.find('vmlinux:veth_xmit'), []);
      assert.throws(() => r.find('nosuchmodule:veth_xmit'), NotFoundError);
      assert.deepEqual(r.find('no_such_type_anywhere_xyz'), []);
    });

    test('a function only nf_conntrack defines is found there', () => {
      const r = new KernelRegistry({ dir });
      const spec = r.module('nf_conntrack');
      const vmNames = new Set([...r.vmlinux().types()].map((t) => t.name));
      const only = [...spec.types()].find(
        (t) => t.kind === 'func' && !vmNames.has(t.name) && holders(k.modules, t.name).length === 1,
      );
      assert.ok(only, 'nf_conntrack has a function of its own');
      const fresh = new KernelRegistry({ dir });
      const found = fresh.find(only.name, 'func');
      assert.deepEqual(
        found.map((f) => [f.object, f.typeId]),
        [['nf_conntrack', only.id]],
      );
      assert.equal(fresh.decodedModules, 1);
      assert.equal(fresh.findAttachTarget(only.name).object, 'nf_conntrack');
    });

    test('module types named by vmlinux strings are found too', () => {
      const r = new KernelRegistry({ dir });
      const vm = r.vmlinux();
      for (const name of k.modules.keys()) {
        const spec = r.module(name);
        const t = [...spec.types()].find((x) => x.name !== '' && spec.section.nameOff(x.id - spec.firstId) < vm.strings.end);
        if (!t) continue;
        const fresh = new KernelRegistry({ dir });
        const hits = fresh.find(t.name, t.kind);
        assert.ok(
          hits.some((h) => h.object === name && h.typeId === t.id),
          `${name}:${t.name} (named by a vmlinux string) is found`,
        );
        return;
      }
    });

    test('repeated lookups (string index) answer as the first ones (byte search)', () => {
      const names = ['veth_xmit', 'sk_buff', 'nf_conn', 'task_struct', 'btrfs_inode', 'xfs_mount', 'nope_nope'];
      const cold = names.map((n) => new KernelRegistry({ dir }).find(n).map((m) => `${m.object}:${m.typeId}:${m.kind}`));
      const warm = new KernelRegistry({ dir });
      for (let round = 0; round < 3; round++) {
        names.forEach((n, i) => {
          assert.deepEqual(
            warm.find(n).map((m) => `${m.object}:${m.typeId}:${m.kind}`),
            cold[i],
            n,
          );
        });
      }
    });

    test('attach targets: vmlinux first, modules next, ambiguity refused', () => {
      const veth = k.modules.get('veth')!;
      const d = kernelDir(k, { veth_copy: veth });
      const r = new KernelRegistry({ dir: d });
      let err: unknown;
      try {
        r.findAttachTarget('veth_xmit');
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof AmbiguousError, String(err));
      assert.deepEqual([...err.candidates].sort(), ['veth:veth_xmit', 'veth_copy:veth_xmit']);
      const t = r.findAttachTarget('veth_copy:veth_xmit');
      assert.equal(t.object, 'veth_copy');
      // Not the running kernel's BTF: no object to attach to, and never fd 0 (vmlinux's).
      assert.equal(t.fd, undefined);
      assert.equal(t.inVmlinux, false);
      assert.equal(t.handle, undefined);
      const vm = r.findAttachTarget('schedule');
      assert.equal(vm.object, 'vmlinux');
      assert.equal(vm.typeId, r.vmlinux().typeByName('schedule', 'func')?.id);
      assert.throws(() => r.findAttachTarget('no_such_function_xyz'), NotFoundError);
    });

    test('broken modules are skipped with a warning; strict mode throws; empty is fine', () => {
      const veth = k.modules.get('veth')!;
      const truncated = veth.slice(0, Math.floor(veth.length / 2));
      const badKind = veth.slice();
      // Kind 31 in the first record: the header is sound, the type section is not.
      new DataView(badKind.buffer).setUint8(24 + 7, 31);
      const d = kernelDir(k, { a_truncated: truncated, b_badkind: badKind, empty: emptyBtf() });
      const warned: string[] = [];
      const r = new KernelRegistry({ dir: d, onWarning: (w) => warned.push(w.module ?? '') });
      const found = r.find('veth_xmit');
      assert.deepEqual(
        found.map((f) => f.object),
        ['veth'],
      );
      assert.deepEqual(warned.sort(), ['a_truncated', 'b_badkind']);
      assert.ok(r.warnings.every((w) => w.message.includes(w.module!)));
      assert.equal(r.module('empty').count, 0);
      assert.ok(r.modules().includes('empty'));
      assert.throws(
        () => r.module('b_badkind'),
        (e: unknown) => {
          // The module and file lead the message; the parser's own error, unchanged, is the cause.
          assert.ok(e instanceof BtfError);
          assert.equal(e.object, `module b_badkind: ${join(d, 'b_badkind')}`);
          assert.ok(e.typeId !== undefined && e.typeId > 1, 'the first own type of the split blob');
          assert.ok(e.message.startsWith(`module b_badkind: ${d}/b_badkind: type [${e.typeId}]`), e.message);
          let inner: unknown = e;
          while (inner instanceof Error && inner.cause !== undefined) inner = inner.cause;
          assert.ok(inner instanceof BtfError && inner.object === undefined, 'the parser error is the root cause');
          assert.equal(inner.typeId, e.typeId);
          assert.equal(e.message, `module b_badkind: ${d}/b_badkind: ${inner.message}`);
          return true;
        },
      );

      const strict = new KernelRegistry({ dir: d, strict: true });
      assert.throws(
        () => strict.find('veth_xmit'),
        (e: Error) => e instanceof BtfError && e.message.includes('a_truncated'),
      );
    });

    test('a module .ko file is read through its .BTF section', { skip: k.release !== 'bookworm' }, () => {
      const ko = readFixture(join(FIXTURES, 'kernels', k.release, 'veth.ko.br'));
      const modules = new Map(k.modules);
      modules.delete('veth');
      const d = kernelDir({ ...k, modules }, { 'veth.ko': ko });
      const r = new KernelRegistry({ dir: d });
      assert.ok(r.modules().includes('veth'));
      const m = r.find('veth_xmit');
      assert.equal(m[0]?.object, 'veth');
      assert.equal(m[0]?.typeId, dumpedId(dir, 'veth', 'FUNC', 'veth_xmit'));
    });

    test('refresh notices a replaced and a removed module; no descriptors leak', () => {
      const before = openFds();
      const d = kernelDir(k);
      const r = new KernelRegistry({ dir: d });
      assert.equal(r.find('veth_xmit').length, 1);
      writeFileSync(join(d, 'veth'), emptyBtf());
      assert.equal(r.find('veth_xmit').length, 1, 'cached until refresh');
      r.refresh();
      assert.deepEqual(r.find('veth_xmit'), []);
      assert.equal(openFds(), before);
    });
  });
}

test('a missing directory is a NotFoundError', () => {
  const r = new KernelRegistry({ dir: '/nonexistent/btf' });
  assert.throws(() => r.vmlinux(), NotFoundError);
  assert.throws(() => r.modules(), NotFoundError);
});
