import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BpfAttr,
  BpfCommand,
  BtfInfoLayout,
  BtfLoadAttr,
  bpfCommandName,
  GetIdAttr,
  InfoAttr,
  StructBuffer,
} from '../../src/sys/attr.js';

const HEADER = '/usr/include/linux/bpf.h';

function findCompiler(): string | undefined {
  for (const cc of ['cc', 'clang', 'gcc']) {
    if (spawnSync(cc, ['--version']).status === 0) return cc;
  }
  return undefined;
}

/**
 * Compiles a program against the installed uapi header that prints, for every layout constant
 * tsbpf uses, the value the C compiler computes (fields the header lacks are left out).
 */
function headerValues(): Map<string, number> | string {
  if (!existsSync(HEADER)) return `${HEADER} not installed (linux-libc-dev)`;
  const cc = findCompiler();
  if (cc === undefined) return 'no C compiler';
  const header = readFileSync(HEADER, 'utf8');
  const checks: [string, string][] = [
    ['BPF_OBJ_GET_INFO_BY_FD', 'BPF_OBJ_GET_INFO_BY_FD'],
    ['BPF_BTF_LOAD', 'BPF_BTF_LOAD'],
    ['BPF_BTF_GET_FD_BY_ID', 'BPF_BTF_GET_FD_BY_ID'],
    ['BPF_BTF_GET_NEXT_ID', 'BPF_BTF_GET_NEXT_ID'],
    ['BPF_MAP_CREATE', 'BPF_MAP_CREATE'],
    ['BPF_PROG_LOAD', 'BPF_PROG_LOAD'],
    ['id.id', 'offsetof(union bpf_attr, btf_id)'],
    ['id.start', 'offsetof(union bpf_attr, start_id)'],
    ['id.nextId', 'offsetof(union bpf_attr, next_id)'],
    ['id.openFlags', 'offsetof(union bpf_attr, open_flags)'],
    ['info.bpfFd', 'offsetof(union bpf_attr, info.bpf_fd)'],
    ['info.infoLen', 'offsetof(union bpf_attr, info.info_len)'],
    ['info.info', 'offsetof(union bpf_attr, info.info)'],
    ['info.size', 'sizeof(((union bpf_attr *)0)->info)'],
    ['load.btf', 'offsetof(union bpf_attr, btf)'],
    ['load.logBuf', 'offsetof(union bpf_attr, btf_log_buf)'],
    ['load.btfSize', 'offsetof(union bpf_attr, btf_size)'],
    ['load.logSize', 'offsetof(union bpf_attr, btf_log_size)'],
    ['load.logLevel', 'offsetof(union bpf_attr, btf_log_level)'],
    ['btfInfo.btf', 'offsetof(struct bpf_btf_info, btf)'],
    ['btfInfo.btfSize', 'offsetof(struct bpf_btf_info, btf_size)'],
    ['btfInfo.id', 'offsetof(struct bpf_btf_info, id)'],
    ['btfInfo.name', 'offsetof(struct bpf_btf_info, name)'],
    ['btfInfo.nameLen', 'offsetof(struct bpf_btf_info, name_len)'],
    ['btfInfo.kernelBtf', 'offsetof(struct bpf_btf_info, kernel_btf)'],
    ['btfInfo.size', 'sizeof(struct bpf_btf_info)'],
  ];
  if (/\bbtf_log_true_size;/.test(header)) {
    checks.push(['load.logTrueSize', 'offsetof(union bpf_attr, btf_log_true_size)']);
  }
  const body = checks.map(([k, expr]) => `  printf("%s=%lu\\n", "${k}", (unsigned long)(${expr}));`).join('\n');
  const src = `#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\nint main(void) {\n${body}\n  return 0;\n}\n`;
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-attr-'));
  try {
    writeFileSync(join(dir, 'layout.c'), src);
    execFileSync(cc, ['-o', join(dir, 'layout'), join(dir, 'layout.c')], { stdio: 'pipe' });
    const out = execFileSync(join(dir, 'layout'), { encoding: 'utf8' });
    return new Map(
      out
        .trim()
        .split('\n')
        .map((line) => {
          const [k, v] = line.split('=');
          return [k ?? '', Number(v)];
        }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('command numbers and attr layouts match the installed linux/bpf.h', (t) => {
  const values = headerValues();
  if (typeof values === 'string') {
    t.skip(values);
    console.log(`# skipped: ${values}`);
    return;
  }
  const ours: Record<string, number> = {
    BPF_OBJ_GET_INFO_BY_FD: BpfCommand.BPF_OBJ_GET_INFO_BY_FD,
    BPF_BTF_LOAD: BpfCommand.BPF_BTF_LOAD,
    BPF_BTF_GET_FD_BY_ID: BpfCommand.BPF_BTF_GET_FD_BY_ID,
    BPF_BTF_GET_NEXT_ID: BpfCommand.BPF_BTF_GET_NEXT_ID,
    BPF_MAP_CREATE: BpfCommand.BPF_MAP_CREATE,
    BPF_PROG_LOAD: BpfCommand.BPF_PROG_LOAD,
    'id.id': GetIdAttr.id,
    'id.start': GetIdAttr.id,
    'id.nextId': GetIdAttr.nextId,
    'id.openFlags': GetIdAttr.openFlags,
    'info.bpfFd': InfoAttr.bpfFd,
    'info.infoLen': InfoAttr.infoLen,
    'info.info': InfoAttr.info,
    'info.size': InfoAttr.size,
    'load.btf': BtfLoadAttr.btf,
    'load.logBuf': BtfLoadAttr.logBuf,
    'load.btfSize': BtfLoadAttr.btfSize,
    'load.logSize': BtfLoadAttr.logSize,
    'load.logLevel': BtfLoadAttr.logLevel,
    'load.logTrueSize': BtfLoadAttr.logTrueSize,
    'btfInfo.btf': BtfInfoLayout.btf,
    'btfInfo.btfSize': BtfInfoLayout.btfSize,
    'btfInfo.id': BtfInfoLayout.id,
    'btfInfo.name': BtfInfoLayout.name,
    'btfInfo.nameLen': BtfInfoLayout.nameLen,
    'btfInfo.kernelBtf': BtfInfoLayout.kernelBtf,
    'btfInfo.size': BtfInfoLayout.size,
  };
  assert.ok(values.size >= 26, `compiled checks: ${values.size}`);
  for (const [key, value] of values) {
    assert.equal(ours[key], value, `${key}: header says ${value}`);
  }
  if (!values.has('load.logTrueSize')) {
    // Older uapi header: btf_log_true_size follows btf_log_level directly (a __u32).
    assert.equal(BtfLoadAttr.logTrueSize, BtfLoadAttr.logLevel + 4);
    console.log('# header predates btf_log_true_size (Linux 6.4); checked its offset by adjacency');
  }
});

test('command names', () => {
  assert.equal(bpfCommandName(18), 'BPF_BTF_LOAD');
  assert.equal(bpfCommandName(23), 'BPF_BTF_GET_NEXT_ID');
  assert.equal(bpfCommandName(999), 'bpf cmd 999');
});

test('attr fields are little-endian at their offsets, pointers are recorded not written', () => {
  const attr = new BpfAttr(BpfCommand.BPF_BTF_LOAD, BtfLoadAttr.size);
  const blob = new Uint8Array([1, 2, 3]);
  attr.setU64(BtfLoadAttr.btf, 0x1122334455667788n).setPointer(BtfLoadAttr.btf, blob);
  attr.setU32(BtfLoadAttr.btfSize, 0x01020304);
  assert.equal(attr.size, 32);
  assert.deepEqual([...attr.bytes.subarray(16, 20)], [4, 3, 2, 1]);
  assert.equal(attr.u64(BtfLoadAttr.btf), 0n, 'pointer field stays zero until the call');
  assert.equal(attr.pointee(BtfLoadAttr.btf), blob);
  assert.equal(attr.pointee(BtfLoadAttr.logBuf), undefined);
  attr.setPointer(BtfLoadAttr.logBuf, new Uint8Array(0));
  assert.equal(attr.pointee(BtfLoadAttr.logBuf), undefined, 'an empty buffer is NULL');
  const nested = new StructBuffer(BtfInfoLayout.size);
  attr.setPointer(BtfLoadAttr.logBuf, nested);
  assert.deepEqual(
    [...attr.pointers()].map(([o]) => o),
    [BtfLoadAttr.btf, BtfLoadAttr.logBuf],
  );
  attr.setI32(28, -1);
  assert.equal(attr.u32(28), 0xffffffff);
});
