/**
 * `enum bpf_prog_type`: program types, with the kernel release that added each.
 *
 * @module
 */

/** Program type numbers (`BPF_PROG_TYPE_*` without the prefix). */
export const ProgType = {
  UNSPEC: 0,
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  LWT_IN: 10,
  LWT_OUT: 11,
  LWT_XMIT: 12,
  SOCK_OPS: 13,
  SK_SKB: 14,
  CGROUP_DEVICE: 15,
  SK_MSG: 16,
  RAW_TRACEPOINT: 17,
  CGROUP_SOCK_ADDR: 18,
  LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20,
  SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22,
  CGROUP_SYSCTL: 23,
  RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25,
  TRACING: 26,
  STRUCT_OPS: 27,
  EXT: 28,
  LSM: 29,
  SK_LOOKUP: 30,
  SYSCALL: 31,
  NETFILTER: 32,
} as const;

/** A program type number. */
export type ProgType = (typeof ProgType)[keyof typeof ProgType];

/** The Linux release that added each program type. */
export const progTypeSince: Readonly<Record<number, string>> = {
  1: '3.19',
  2: '4.1',
  3: '4.1',
  4: '4.1',
  5: '4.7',
  6: '4.8',
  7: '4.9',
  8: '4.10',
  9: '4.10',
  10: '4.10',
  11: '4.10',
  12: '4.10',
  13: '4.13',
  14: '4.14',
  15: '4.15',
  16: '4.17',
  17: '4.17',
  18: '4.17',
  19: '4.18',
  20: '4.18',
  21: '4.19',
  22: '4.20',
  23: '5.2',
  24: '5.2',
  25: '5.3',
  26: '5.5',
  27: '5.6',
  28: '5.6',
  29: '5.7',
  30: '5.9',
  31: '5.14',
  32: '6.4',
};

const progTypeNames = new Map<number, string>(Object.entries(ProgType).map(([k, v]) => [v, k.toLowerCase()]));

/** The lower-case name of a program type (`kprobe`, `xdp`), as bpftool prints it; `type N` if unknown. */
export function progTypeName(type: number): string {
  return progTypeNames.get(type) ?? `type ${type}`;
}
