/**
 * The attr layouts of the map, program, link, pin and test-run commands and the info structs,
 * against the installed `linux/bpf.h` and `linux/perf_event.h` (compiled and printed by the C
 * compiler); the enum values against the running kernel's BTF.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSpec } from '../../src/btf/spec.js';
import { AttachType } from '../../src/sys/attach-type.js';
import {
  BpfCommand,
  FdAttr,
  LinkCreateAttr,
  LinkInfoLayout,
  MapBatchAttr,
  MapCreateAttr,
  MapElemAttr,
  MapInfoLayout,
  ObjAttr,
  ProgInfoLayout,
  ProgLoadAttr,
  RawTracepointAttr,
  TestRunAttr,
} from '../../src/sys/attr.js';
import { LinkType } from '../../src/sys/link-type.js';
import { MapType } from '../../src/sys/map-type.js';
import { PerfEventAttrLayout, PerfIoctl } from '../../src/sys/perf.js';
import { ProgType } from '../../src/sys/prog-type.js';

const HEADER = '/usr/include/linux/bpf.h';

/** [our value, C expression] pairs, keyed for messages. */
function checks(header: string): [string, number, string][] {
  const out: [string, number, string][] = [];
  const attr = (name: string, layout: Record<string, number>, fields: Record<string, string>, sizeExpr?: string) => {
    for (const [k, c] of Object.entries(fields)) out.push([`${name}.${k}`, layout[k]!, `offsetof(union bpf_attr, ${c})`]);
    if (sizeExpr !== undefined) out.push([`${name}.size`, layout.size!, sizeExpr]);
  };
  attr('MapCreate', MapCreateAttr, {
    mapType: 'map_type',
    keySize: 'key_size',
    valueSize: 'value_size',
    maxEntries: 'max_entries',
    mapFlags: 'map_flags',
    innerMapFd: 'inner_map_fd',
    numaNode: 'numa_node',
    mapName: 'map_name',
    mapIfindex: 'map_ifindex',
    btfFd: 'btf_fd',
    btfKeyTypeId: 'btf_key_type_id',
    btfValueTypeId: 'btf_value_type_id',
    btfVmlinuxValueTypeId: 'btf_vmlinux_value_type_id',
    mapExtra: 'map_extra',
  });
  out.push(['MapCreate.size', MapCreateAttr.size, 'offsetof(union bpf_attr, map_extra) + 8']);
  attr('MapElem', MapElemAttr, { mapFd: 'map_fd', key: 'key', value: 'value', flags: 'flags' });
  out.push(['MapElem.nextKey', MapElemAttr.value, 'offsetof(union bpf_attr, next_key)']);
  attr(
    'MapBatch',
    MapBatchAttr,
    {
      inBatch: 'batch.in_batch',
      outBatch: 'batch.out_batch',
      keys: 'batch.keys',
      values: 'batch.values',
      count: 'batch.count',
      mapFd: 'batch.map_fd',
      elemFlags: 'batch.elem_flags',
      flags: 'batch.flags',
    },
    'sizeof(((union bpf_attr *)0)->batch)',
  );
  out.push(['Fd.mapFd', FdAttr.fd, 'offsetof(union bpf_attr, map_fd)']);
  out.push(['Fd.linkFd', FdAttr.fd, 'offsetof(union bpf_attr, link_detach.link_fd)']);
  attr('ProgLoad', ProgLoadAttr, {
    progType: 'prog_type',
    insnCnt: 'insn_cnt',
    insns: 'insns',
    license: 'license',
    logLevel: 'log_level',
    logSize: 'log_size',
    logBuf: 'log_buf',
    kernVersion: 'kern_version',
    progFlags: 'prog_flags',
    progName: 'prog_name',
    progIfindex: 'prog_ifindex',
    expectedAttachType: 'expected_attach_type',
    progBtfFd: 'prog_btf_fd',
    funcInfoRecSize: 'func_info_rec_size',
    funcInfo: 'func_info',
    funcInfoCnt: 'func_info_cnt',
    lineInfoRecSize: 'line_info_rec_size',
    lineInfo: 'line_info',
    lineInfoCnt: 'line_info_cnt',
    attachBtfId: 'attach_btf_id',
    attachFd: 'attach_prog_fd',
    coreReloCnt: 'core_relo_cnt',
    fdArray: 'fd_array',
    coreRelos: 'core_relos',
    coreReloRecSize: 'core_relo_rec_size',
  });
  out.push(['ProgLoad.attachBtfObjFd', ProgLoadAttr.attachFd, 'offsetof(union bpf_attr, attach_btf_obj_fd)']);
  if (/\blog_true_size;/.test(header))
    out.push(['ProgLoad.logTrueSize', ProgLoadAttr.logTrueSize, 'offsetof(union bpf_attr, log_true_size)']);
  else out.push(['ProgLoad.logTrueSize', ProgLoadAttr.logTrueSize, 'offsetof(union bpf_attr, core_relo_rec_size) + 4']);
  attr('Obj', ObjAttr, { pathname: 'pathname', bpfFd: 'bpf_fd', fileFlags: 'file_flags' });
  attr(
    'TestRun',
    TestRunAttr,
    {
      progFd: 'test.prog_fd',
      retval: 'test.retval',
      dataSizeIn: 'test.data_size_in',
      dataSizeOut: 'test.data_size_out',
      dataIn: 'test.data_in',
      dataOut: 'test.data_out',
      repeat: 'test.repeat',
      duration: 'test.duration',
      ctxSizeIn: 'test.ctx_size_in',
      ctxSizeOut: 'test.ctx_size_out',
      ctxIn: 'test.ctx_in',
      ctxOut: 'test.ctx_out',
      flags: 'test.flags',
      cpu: 'test.cpu',
      batchSize: 'test.batch_size',
    },
    'sizeof(((union bpf_attr *)0)->test)',
  );
  attr('RawTp', RawTracepointAttr, { name: 'raw_tracepoint.name', progFd: 'raw_tracepoint.prog_fd' });
  attr(
    'LinkCreate',
    LinkCreateAttr,
    {
      progFd: 'link_create.prog_fd',
      targetFd: 'link_create.target_fd',
      attachType: 'link_create.attach_type',
      flags: 'link_create.flags',
      targetBtfId: 'link_create.target_btf_id',
      iterInfo: 'link_create.iter_info',
      iterInfoLen: 'link_create.iter_info_len',
      perfEventCookie: 'link_create.perf_event.bpf_cookie',
      kprobeMultiFlags: 'link_create.kprobe_multi.flags',
      kprobeMultiCnt: 'link_create.kprobe_multi.cnt',
      kprobeMultiSyms: 'link_create.kprobe_multi.syms',
      kprobeMultiAddrs: 'link_create.kprobe_multi.addrs',
      kprobeMultiCookies: 'link_create.kprobe_multi.cookies',
      tracingCookie: 'link_create.tracing.cookie',
    },
    'sizeof(((union bpf_attr *)0)->link_create)',
  );
  const info = (name: string, struct: string, layout: Record<string, number>, fields: Record<string, string>) => {
    for (const [k, c] of Object.entries(fields)) out.push([`${name}.${k}`, layout[k]!, `offsetof(struct ${struct}, ${c})`]);
    out.push([`${name}.size`, layout.size!, `sizeof(struct ${struct})`]);
  };
  info('ProgInfo', 'bpf_prog_info', ProgInfoLayout, {
    type: 'type',
    id: 'id',
    tag: 'tag',
    xlatedProgLen: 'xlated_prog_len',
    nrMapIds: 'nr_map_ids',
    mapIds: 'map_ids',
    name: 'name',
    btfId: 'btf_id',
    runTimeNs: 'run_time_ns',
    runCnt: 'run_cnt',
    verifiedInsns: 'verified_insns',
    attachBtfObjId: 'attach_btf_obj_id',
    attachBtfId: 'attach_btf_id',
  });
  info('MapInfo', 'bpf_map_info', MapInfoLayout, {
    type: 'type',
    id: 'id',
    keySize: 'key_size',
    valueSize: 'value_size',
    maxEntries: 'max_entries',
    mapFlags: 'map_flags',
    name: 'name',
    btfId: 'btf_id',
    btfKeyTypeId: 'btf_key_type_id',
    btfValueTypeId: 'btf_value_type_id',
    mapExtra: 'map_extra',
  });
  info('LinkInfo', 'bpf_link_info', LinkInfoLayout, {
    type: 'type',
    id: 'id',
    progId: 'prog_id',
    tracingAttachType: 'tracing.attach_type',
    tracingTargetObjId: 'tracing.target_obj_id',
    tracingTargetBtfId: 'tracing.target_btf_id',
  });
  for (const [k, c] of Object.entries({
    type: 'type',
    size: 'size',
    config: 'config',
    samplePeriod: 'sample_period',
    sampleType: 'sample_type',
    wakeupEvents: 'wakeup_events',
    config1: 'config1',
    config2: 'config2',
  })) {
    out.push([
      `PerfEventAttr.${k}`,
      PerfEventAttrLayout[k as keyof typeof PerfEventAttrLayout],
      `offsetof(struct perf_event_attr, ${c})`,
    ]);
  }
  out.push(['PerfEventAttr.flags', PerfEventAttrLayout.flags, 'offsetof(struct perf_event_attr, read_format) + 8']);
  out.push(['PerfEventAttr.struct', PerfEventAttrLayout.struct, 'PERF_ATTR_SIZE_VER7']);
  out.push(['PerfIoctl.ENABLE', PerfIoctl.ENABLE, 'PERF_EVENT_IOC_ENABLE']);
  out.push(['PerfIoctl.DISABLE', PerfIoctl.DISABLE, 'PERF_EVENT_IOC_DISABLE']);
  out.push(['PerfIoctl.SET_BPF', PerfIoctl.SET_BPF, 'PERF_EVENT_IOC_SET_BPF']);
  for (const [k, v] of Object.entries(BpfCommand)) out.push([k, v, k]);
  return out;
}

test('attr, info and perf layouts match the installed uapi headers', (t) => {
  if (!existsSync(HEADER)) return t.skip(`${HEADER} not installed`);
  const cc = ['cc', 'clang', 'gcc'].find((c) => spawnSync(c, ['--version']).status === 0);
  if (cc === undefined) return t.skip('no C compiler');
  const header = readFileSync(HEADER, 'utf8');
  const list = checks(header);
  const body = list.map(([k, , expr]) => `  printf("%s=%lu\\n", "${k}", (unsigned long)(${expr}));`).join('\n');
  const src = `#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n#include <linux/perf_event.h>\nint main(void) {\n${body}\n  return 0;\n}\n`;
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-layout-'));
  try {
    writeFileSync(join(dir, 'l.c'), src);
    execFileSync(cc, ['-o', join(dir, 'l'), join(dir, 'l.c')], { stdio: 'pipe' });
    const values = new Map(
      execFileSync(join(dir, 'l'), { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    for (const [k, ours] of list) assert.equal(ours, Number(values.get(k)), k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('program, map, attach and link type numbers match the running kernel', (t) => {
  const path = '/sys/kernel/btf/vmlinux';
  if (!existsSync(path)) return t.skip('no /sys/kernel/btf/vmlinux');
  const spec = loadSpec(readFileSync(path));
  const compare = (enumName: string, prefix: string, ours: Record<string, number>) => {
    const e = spec.typeByName(enumName, 'enum');
    assert.ok(e !== undefined && e.kind === 'enum', enumName);
    const kernel = new Map(e.values.map((v) => [v.name, v.value]));
    const newest = Math.max(...kernel.values());
    const unmatched: string[] = [];
    for (const [name, value] of Object.entries(ours)) {
      const k = kernel.get(`${prefix}${name}`);
      if (k !== undefined) assert.equal(value, k, `${prefix}${name}`);
      // Absent here: newer than this kernel when numbered past its last value, else renamed.
      else if (value <= newest) unmatched.push(name);
    }
    assert.ok(unmatched.length <= 2, `${enumName}: not in this kernel although numbered within it: ${unmatched.join(', ')}`);
  };
  compare('bpf_prog_type', 'BPF_PROG_TYPE_', ProgType);
  compare('bpf_map_type', 'BPF_MAP_TYPE_', MapType);
  compare('bpf_attach_type', 'BPF_', AttachType);
  compare('bpf_link_type', 'BPF_LINK_TYPE_', LinkType);
});
