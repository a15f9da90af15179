/**
 * Program section names, as libbpf 1.x reads them: the section a program is compiled into
 * (`SEC("fentry/veth:veth_open")`) says its program type, expected attach type, load flags and
 * attach target. A pattern ending in `+` matches the name itself or the name followed by `/` and
 * a target; other patterns match exactly.
 *
 * @module
 */

import { AttachType as A, ProgramType as P } from './types.js';

/** `BPF_F_SLEEPABLE`: the program may sleep. */
export const BPF_F_SLEEPABLE = 1 << 4;
/** `BPF_F_XDP_HAS_FRAGS`: the XDP program handles multi-buffer packets. */
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

/** What a section name means for the program in it. */
export interface SectionKind {
  /** The matching pattern, as libbpf writes it (`fentry+`, `xdp`, `cgroup/connect4`). */
  readonly pattern: string;
  /** Program type of programs in such a section. */
  readonly type: P;
  /** Expected attach type given at load (0 where there is none). */
  readonly expectedAttachType: A;
  /**
   * The kernel may not know the expected attach type of this program type (kernels before 4.17
   * for most cgroup and socket types): libbpf retries without it. Only meaningful when
   * {@link expectedAttachType} is set.
   */
  readonly attachTypeOptional: boolean;
  /** Program flags for load (`BPF_F_SLEEPABLE`, `BPF_F_XDP_HAS_FRAGS`). */
  readonly flags: number;
  /** The target is a BTF function or type named after the `/` (fentry, lsm, tp_btf, iter, freplace). */
  readonly attachBtf: boolean;
}

const NONE = 0;
const ATTACHABLE = 1; // expected attach type always given
const OPT = 2; // expected attach type given where the kernel knows it
const BTF = 4;
const SLEEP = 8;
const FRAGS = 16;

type Row = readonly [pattern: string, type: P, attach: A | 0, how: number];

// libbpf's order matters only where patterns overlap; exact patterns are tried before the
// prefix ones they shadow (e.g. `tc/ingress` before `tc`, `xdp.frags/devmap` before `xdp.frags`).
const ROWS: readonly Row[] = [
  ['socket', P.SOCKET_FILTER, 0, NONE],
  ['sk_reuseport/migrate', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE],
  ['sk_reuseport', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, ATTACHABLE],
  ['kprobe+', P.KPROBE, 0, NONE],
  ['uprobe+', P.KPROBE, 0, NONE],
  ['uprobe.s+', P.KPROBE, 0, SLEEP],
  ['kretprobe+', P.KPROBE, 0, NONE],
  ['uretprobe+', P.KPROBE, 0, NONE],
  ['uretprobe.s+', P.KPROBE, 0, SLEEP],
  ['kprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, NONE],
  ['kretprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, NONE],
  ['kprobe.session+', P.KPROBE, A.TRACE_KPROBE_SESSION, NONE],
  ['uprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, NONE],
  ['uretprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, NONE],
  ['uprobe.session+', P.KPROBE, A.TRACE_UPROBE_SESSION, NONE],
  ['uprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEP],
  ['uretprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, SLEEP],
  ['uprobe.session.s+', P.KPROBE, A.TRACE_UPROBE_SESSION, SLEEP],
  ['ksyscall+', P.KPROBE, 0, NONE],
  ['kretsyscall+', P.KPROBE, 0, NONE],
  ['usdt+', P.KPROBE, 0, NONE],
  ['usdt.s+', P.KPROBE, 0, SLEEP],
  ['tc/ingress', P.SCHED_CLS, A.TCX_INGRESS, NONE],
  ['tc/egress', P.SCHED_CLS, A.TCX_EGRESS, NONE],
  ['tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS, NONE],
  ['tcx/egress', P.SCHED_CLS, A.TCX_EGRESS, NONE],
  ['tc', P.SCHED_CLS, 0, NONE],
  ['classifier', P.SCHED_CLS, 0, NONE],
  ['action', P.SCHED_ACT, 0, NONE],
  ['netkit/primary', P.SCHED_CLS, A.NETKIT_PRIMARY, NONE],
  ['netkit/peer', P.SCHED_CLS, A.NETKIT_PEER, NONE],
  ['tracepoint+', P.TRACEPOINT, 0, NONE],
  ['tp+', P.TRACEPOINT, 0, NONE],
  ['raw_tracepoint+', P.RAW_TRACEPOINT, 0, NONE],
  ['raw_tp+', P.RAW_TRACEPOINT, 0, NONE],
  ['raw_tracepoint.w+', P.RAW_TRACEPOINT_WRITABLE, 0, NONE],
  ['raw_tp.w+', P.RAW_TRACEPOINT_WRITABLE, 0, NONE],
  ['tp_btf+', P.TRACING, A.TRACE_RAW_TP, BTF],
  ['fentry+', P.TRACING, A.TRACE_FENTRY, BTF],
  ['fmod_ret+', P.TRACING, A.MODIFY_RETURN, BTF],
  ['fexit+', P.TRACING, A.TRACE_FEXIT, BTF],
  ['fentry.s+', P.TRACING, A.TRACE_FENTRY, BTF | SLEEP],
  ['fmod_ret.s+', P.TRACING, A.MODIFY_RETURN, BTF | SLEEP],
  ['fexit.s+', P.TRACING, A.TRACE_FEXIT, BTF | SLEEP],
  ['freplace+', P.EXT, 0, BTF],
  ['lsm+', P.LSM, A.LSM_MAC, BTF],
  ['lsm.s+', P.LSM, A.LSM_MAC, BTF | SLEEP],
  ['lsm_cgroup+', P.LSM, A.LSM_CGROUP, BTF],
  ['iter+', P.TRACING, A.TRACE_ITER, BTF],
  ['iter.s+', P.TRACING, A.TRACE_ITER, BTF | SLEEP],
  ['syscall', P.SYSCALL, 0, SLEEP],
  ['xdp.frags/devmap', P.XDP, A.XDP_DEVMAP, ATTACHABLE | FRAGS],
  ['xdp/devmap', P.XDP, A.XDP_DEVMAP, ATTACHABLE],
  ['xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP, ATTACHABLE | FRAGS],
  ['xdp/cpumap', P.XDP, A.XDP_CPUMAP, ATTACHABLE],
  ['xdp.frags', P.XDP, A.XDP, ATTACHABLE | FRAGS],
  ['xdp', P.XDP, A.XDP, OPT],
  ['perf_event', P.PERF_EVENT, 0, NONE],
  ['lwt_in', P.LWT_IN, 0, NONE],
  ['lwt_out', P.LWT_OUT, 0, NONE],
  ['lwt_xmit', P.LWT_XMIT, 0, NONE],
  ['lwt_seg6local', P.LWT_SEG6LOCAL, 0, NONE],
  ['sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS, OPT],
  ['sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER, OPT],
  ['sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT, OPT],
  ['sk_skb/verdict', P.SK_SKB, A.SK_SKB_VERDICT, OPT],
  ['sk_skb', P.SK_SKB, 0, NONE],
  ['sk_msg', P.SK_MSG, A.SK_MSG_VERDICT, OPT],
  ['lirc_mode2', P.LIRC_MODE2, A.LIRC_MODE2, OPT],
  ['flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, OPT],
  ['cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS, OPT],
  ['cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS, OPT],
  ['cgroup/skb', P.CGROUP_SKB, 0, NONE],
  ['cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, ATTACHABLE],
  ['cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, ATTACHABLE],
  ['cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, OPT],
  ['cgroup/post_bind4', P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, ATTACHABLE],
  ['cgroup/post_bind6', P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, ATTACHABLE],
  ['cgroup/bind4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, ATTACHABLE],
  ['cgroup/bind6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, ATTACHABLE],
  ['cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, ATTACHABLE],
  ['cgroup/connect6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, ATTACHABLE],
  ['cgroup/connect_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, ATTACHABLE],
  ['cgroup/sendmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, ATTACHABLE],
  ['cgroup/sendmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, ATTACHABLE],
  ['cgroup/sendmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, ATTACHABLE],
  ['cgroup/recvmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, ATTACHABLE],
  ['cgroup/recvmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, ATTACHABLE],
  ['cgroup/recvmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, ATTACHABLE],
  ['cgroup/getpeername4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, ATTACHABLE],
  ['cgroup/getpeername6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, ATTACHABLE],
  ['cgroup/getpeername_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, ATTACHABLE],
  ['cgroup/getsockname4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, ATTACHABLE],
  ['cgroup/getsockname6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, ATTACHABLE],
  ['cgroup/getsockname_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, ATTACHABLE],
  ['cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, ATTACHABLE],
  ['cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, ATTACHABLE],
  ['cgroup/setsockopt', P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, ATTACHABLE],
  ['cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE, OPT],
  ['struct_ops+', P.STRUCT_OPS, 0, NONE],
  ['struct_ops.s+', P.STRUCT_OPS, 0, SLEEP],
  ['sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP, ATTACHABLE],
  ['netfilter', P.NETFILTER, A.NETFILTER, NONE],
];

/** Every section kind, in matching order. */
export const SECTION_KINDS: readonly SectionKind[] = ROWS.map(([pattern, type, attach, how]) => ({
  pattern,
  type,
  expectedAttachType: attach as A,
  attachTypeOptional: (how & OPT) !== 0,
  flags: ((how & SLEEP) !== 0 ? BPF_F_SLEEPABLE : 0) | ((how & FRAGS) !== 0 ? BPF_F_XDP_HAS_FRAGS : 0),
  attachBtf: (how & BTF) !== 0,
}));

/** The kind of a program section and the attach target it names. */
export interface SectionMatch {
  /** The section kind whose pattern matched the name. */
  readonly kind: SectionKind;
  /**
   * What follows `pattern/` in a `+` pattern: `veth:veth_open` for `fentry/veth:veth_open`,
   * `syscalls/sys_enter_openat` for `tp/syscalls/sys_enter_openat`; `''` when there is none.
   */
  readonly attachTo: string;
}

/** The kind of the section called `name`, or `undefined` for a name libbpf does not know. */
export function matchSection(name: string): SectionMatch | undefined {
  for (const kind of SECTION_KINDS) {
    const p = kind.pattern;
    if (p.endsWith('+')) {
      const prefix = p.slice(0, -1);
      if (name === prefix) return { kind, attachTo: '' };
      if (name.startsWith(`${prefix}/`)) return { kind, attachTo: name.slice(prefix.length + 1) };
    } else if (name === p) {
      return { kind, attachTo: '' };
    }
  }
  return undefined;
}
