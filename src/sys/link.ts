/**
 * Link commands: `BPF_LINK_CREATE` in each of its forms, `BPF_RAW_TRACEPOINT_OPEN`,
 * `BPF_LINK_DETACH`.
 *
 * @module
 */

import { BpfAttr, BpfCommand, FdAttr, LinkCreateAttr, RawTracepointAttr, StructBuffer } from './attr.js';
import { bpf } from './bpf.js';
import { FD } from './fd.js';
import { syscallImpl } from './ffi.js';
import { rawFd, toCString } from './u32.js';

/** The target-specific part of `BPF_LINK_CREATE`. */
export type LinkTarget =
  /** fentry/fexit/fmod_ret/lsm/tp_btf (target chosen at load), or freplace into `targetFd`. */
  | { kind: 'tracing'; targetBtfId?: number; cookie?: bigint }
  /** A BPF iterator; `iterInfo` is a packed `union bpf_iter_link_info`. */
  | { kind: 'iter'; iterInfo?: Uint8Array }
  /** A perf event fd (kprobe, uprobe, tracepoint) in `targetFd`. */
  | { kind: 'perf-event'; cookie?: bigint }
  /** kprobe.multi: functions by name (or addresses). */
  | {
      kind: 'kprobe-multi';
      symbols?: readonly string[];
      addresses?: readonly bigint[];
      cookies?: readonly bigint[];
      retprobe?: boolean;
    }
  /** tcx: before or after another program (`relativeFd`, with flags `BPF_F_BEFORE`/`AFTER`). */
  | { kind: 'tcx'; relativeFd?: number; expectedRevision?: bigint }
  /** xdp, cgroup, netns...: no extra fields. */
  | { kind: 'plain' };

/** What `BPF_LINK_CREATE` needs. */
export interface LinkCreateOptions {
  prog: FD | number;
  /** Target fd (cgroup, netns, perf event, freplace target) or ifindex (xdp, tcx); 0 for none. */
  targetFd?: number;
  /** `BPF_*` attach type. */
  attachType: number;
  /** Link flags (XDP mode, `BPF_F_BEFORE`...). */
  flags?: number;
  target?: LinkTarget;
  /** What the error names when this fails. */
  subject?: string;
}

/** `kprobe_multi.flags` bit for return probes. */
const KPROBE_MULTI_RETURN = 1;

/**
 * Creates a link. `BPF_LINK_CREATE`.
 *
 * @throws {@link KernelError} when the kernel refuses it.
 */
export function linkCreate(options: LinkCreateOptions): FD {
  const attr = new BpfAttr(BpfCommand.BPF_LINK_CREATE, LinkCreateAttr.size)
    .setU32(LinkCreateAttr.progFd, rawFd(options.prog))
    .setU32(LinkCreateAttr.targetFd, options.targetFd ?? 0)
    .setU32(LinkCreateAttr.attachType, options.attachType)
    .setU32(LinkCreateAttr.flags, options.flags ?? 0);
  const target = options.target ?? { kind: 'plain' };
  switch (target.kind) {
    case 'tracing':
      attr.setU32(LinkCreateAttr.targetBtfId, target.targetBtfId ?? 0);
      if (target.cookie !== undefined) attr.setU64(LinkCreateAttr.tracingCookie, target.cookie);
      break;
    case 'iter':
      if (target.iterInfo !== undefined) {
        attr.setPointer(LinkCreateAttr.iterInfo, target.iterInfo).setU32(LinkCreateAttr.iterInfoLen, target.iterInfo.byteLength);
      }
      break;
    case 'perf-event':
      if (target.cookie !== undefined) attr.setU64(LinkCreateAttr.perfEventCookie, target.cookie);
      break;
    case 'kprobe-multi': {
      const count = target.symbols?.length ?? target.addresses?.length ?? 0;
      attr.setU32(LinkCreateAttr.kprobeMultiFlags, target.retprobe ? KPROBE_MULTI_RETURN : 0);
      attr.setU32(LinkCreateAttr.kprobeMultiCnt, count);
      if (target.symbols !== undefined) {
        attr.setPointer(LinkCreateAttr.kprobeMultiSyms, pointerArray(target.symbols));
      }
      if (target.addresses !== undefined) attr.setPointer(LinkCreateAttr.kprobeMultiAddrs, u64Array(target.addresses));
      if (target.cookies !== undefined) attr.setPointer(LinkCreateAttr.kprobeMultiCookies, u64Array(target.cookies));
      break;
    }
    case 'tcx':
      attr.setU32(LinkCreateAttr.tcxRelative, target.relativeFd ?? 0);
      attr.setU64(LinkCreateAttr.tcxExpectedRevision, target.expectedRevision ?? 0n);
      break;
    case 'plain':
      break;
  }
  const impl = syscallImpl();
  return new FD(bpf(attr, { subject: options.subject ?? `program fd ${rawFd(options.prog)}` }), impl);
}

/**
 * An array of `char *` as a nested struct whose slots point at C strings, so that the syscall
 * implementation writes each address.
 */
function pointerArray(strings: readonly string[]): StructBuffer {
  const block = new StructBuffer(strings.length * 8);
  strings.forEach((s, i) => {
    block.setPointer(i * 8, toCString(s));
  });
  return block;
}

function u64Array(values: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
  });
  return bytes;
}

/**
 * Attaches a raw tracepoint program to tracepoint `name`, or a tp_btf/fentry/fexit/lsm program to
 * the target chosen at load (`name` undefined). `BPF_RAW_TRACEPOINT_OPEN` (Linux 4.17; the
 * tracing form 5.5).
 *
 * @throws {@link KernelError} when the kernel refuses it.
 */
export function rawTracepointOpen(prog: FD | number, name: string | undefined): FD {
  const attr = new BpfAttr(BpfCommand.BPF_RAW_TRACEPOINT_OPEN, RawTracepointAttr.size)
    .setPointer(RawTracepointAttr.name, name === undefined ? undefined : toCString(name))
    .setU32(RawTracepointAttr.progFd, rawFd(prog));
  const impl = syscallImpl();
  return new FD(bpf(attr, { subject: name ?? `program fd ${rawFd(prog)}` }), impl);
}

/**
 * Detaches a link from its hook while the fd stays open. `BPF_LINK_DETACH` (Linux 5.9).
 *
 * @throws {@link KernelError} (`EOPNOTSUPP` for link types that cannot detach).
 */
export function linkDetach(link: FD | number): void {
  bpf(new BpfAttr(BpfCommand.BPF_LINK_DETACH, FdAttr.size).setU32(FdAttr.fd, rawFd(link)));
}
