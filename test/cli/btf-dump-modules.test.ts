/**
 * One C header for vmlinux and modules (`btf dump file VMLINUX file MOD... format c`, `btf dump
 * kernel module NAME... format c`): it compiles with `clang -target bpf`, a CO-RE program built
 * on it relocates against the modules' types, module types shared by several modules are
 * written once, and with vmlinux alone the header is bpftool's, byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bpftoolMissing, have, kernelFixtures, tempDir } from '../fixtures.js';
import { cli } from './run.js';

const noClang = have('clang') ? false : 'clang is not installed';
let n = 0;

/** The fixture kernel's vmlinux and modules as a directory laid out like /sys/kernel/btf. */
function btfDir(release: string): string {
  const k = kernelFixtures().find((x) => x.release === release)!;
  const dir = join(tempDir(), `dump-modules-${process.pid}-${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinux'), k.vmlinux);
  for (const [name, bytes] of k.modules) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** Names of the structs, unions and enums the header defines, with how often each is defined. */
function definitions(header: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of header.matchAll(/^(struct|union|enum) ([A-Za-z0-9_]+) \{/gm)) {
    const key = `${m[1]} ${m[2]}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

const PROGRAM = `#include "vmlinux.h"
#define SEC(name) __attribute__((section(name), used))
#define R(x) __builtin_preserve_access_index(x)
SEC("raw_tp/x") int read_module_types(void *ctx)
{
	struct nf_conn *ct = (void *)0;
	struct nf_conntrack_expect_policy *p = (void *)0;
	struct veth_rq *rq = (void *)0;
	return (int)(long)R(&ct->mark) + (int)(long)R(&p->timeout) + (int)(long)R(&rq->xdp_rxq);
}
char LICENSE[] SEC("license") = "GPL";
`;

describe('btf dump of vmlinux and modules as one C header', () => {
  // Two of the three kernels: the oldest and the newest (each header is a few seconds' work).
  for (const k of kernelFixtures().filter((x) => x.release !== 'trixie')) {
    it(`vmlinux + veth + nf_conntrack of ${k.release}: compiles with clang -target bpf, and a CO-RE program on it finds the module types`, {
      skip: noClang,
    }, async () => {
      const dir = btfDir(k.release);
      const r = await cli(
        'btf',
        'dump',
        'file',
        join(dir, 'vmlinux'),
        'file',
        join(dir, 'veth'),
        'file',
        join(dir, 'nf_conntrack'),
        'format',
        'c',
      );
      assert.equal(r.code, 0, r.stderr);
      const defs = definitions(r.stdout);
      for (const [name, count] of defs) assert.equal(count, 1, `${name} defined ${count} times`);
      assert.ok(defs.has('struct nf_conn') && defs.has('struct veth_rq') && defs.has('struct task_struct'));
      // The kernel spelling gives the same header.
      const kr = await cli('--btf-dir', dir, 'btf', 'dump', 'kernel', 'module', 'veth', 'nf_conntrack', 'format', 'c');
      assert.equal(kr.code, 0, kr.stderr);
      assert.equal(kr.stdout, r.stdout);

      const src = join(dir, 'prog.bpf.c');
      writeFileSync(join(dir, 'vmlinux.h'), r.stdout);
      writeFileSync(src, PROGRAM);
      const obj = join(dir, 'prog.bpf.o');
      execFileSync('clang', ['-target', 'bpf', '-O2', '-g', '-Wno-missing-declarations', '-c', src, '-o', obj], {
        stdio: 'pipe',
      });
      const explained = await cli('--json', 'core', 'explain', obj, '--btf-dir', dir);
      assert.equal(explained.code, 0, explained.stderr);
      const relocations = (JSON.parse(explained.stdout) as { relocations: { target: { object: string; name: string } | null }[] })
        .relocations;
      const targets = new Set(relocations.map((x) => (x.target ? `${x.target.object}:${x.target.name}` : 'none')));
      // nf_conn is vmlinux's (the core kernel refers to it); the expect policy only the module's.
      assert.ok(targets.has('vmlinux:nf_conn'), [...targets].join(', '));
      assert.ok(targets.has('nf_conntrack:nf_conntrack_expect_policy'), [...targets].join(', '));
      assert.ok(targets.has('veth:veth_rq'), [...targets].join(', '));
    });
  }

  it('writes a type that several modules define, and vmlinux does not, once', async () => {
    const dir = btfDir('sid');
    const header = (
      await cli('btf', 'dump', 'file', join(dir, 'vmlinux'), 'file', join(dir, 'xfs'), 'file', join(dir, 'btrfs'), 'format', 'c')
    ).stdout;
    const xfsOnly = (await cli('-B', join(dir, 'vmlinux'), 'btf', 'dump', 'file', join(dir, 'xfs'), 'format', 'c')).stdout;
    const btrfsOnly = (await cli('-B', join(dir, 'vmlinux'), 'btf', 'dump', 'file', join(dir, 'btrfs'), 'format', 'c')).stdout;
    const vmlinuxOnly = (await cli('btf', 'dump', 'file', join(dir, 'vmlinux'), 'format', 'c')).stdout;
    const base = definitions(vmlinuxOnly);
    const inXfs = [...definitions(xfsOnly).keys()].filter((d) => !base.has(d));
    const shared = [...definitions(btrfsOnly).keys()].filter((d) => !base.has(d) && inXfs.includes(d));
    assert.ok(shared.length > 0, 'xfs and btrfs share no type beyond vmlinux');
    const defs = definitions(header);
    for (const d of shared) {
      assert.equal(defs.get(d), 1, d);
      assert.equal(defs.has(`${d}___2`), false, `${d} written twice`);
    }
    for (const [name, count] of defs) assert.equal(count, 1, `${name} defined ${count} times`);
  });

  it('is bpftool’s header for vmlinux alone', { skip: bpftoolMissing() ?? false }, async () => {
    const dir = btfDir('bookworm');
    const r = await cli('btf', 'dump', 'file', join(dir, 'vmlinux'), 'format', 'c');
    const expected = execFileSync('bpftool', ['btf', 'dump', 'file', join(dir, 'vmlinux'), 'format', 'c'], {
      maxBuffer: 1 << 30,
    });
    assert.equal(r.stdout, expected.toString());
  });

  it('refuses unknown modules, other formats, and a module given first', async () => {
    const dir = btfDir('bookworm');
    const unknown = await cli('--btf-dir', dir, 'btf', 'dump', 'kernel', 'module', 'veth', 'no_such_module', 'format', 'c');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /module no_such_module: no BTF in/);
    assert.equal(unknown.stdout, '');
    const raw = await cli('btf', 'dump', 'file', join(dir, 'vmlinux'), 'file', join(dir, 'veth'), 'format', 'raw');
    assert.equal(raw.code, 2);
    assert.match(raw.stderr, /one C header only/);
    const swapped = await cli('btf', 'dump', 'file', join(dir, 'veth'), 'file', join(dir, 'vmlinux'), 'format', 'c');
    assert.equal(swapped.code, 1);
    assert.equal(swapped.stdout, '');
    assert.ok(readFileSync(join(dir, 'veth')).byteLength > 0);
  });
});
