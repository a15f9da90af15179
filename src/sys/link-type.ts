/**
 * `enum bpf_link_type`, with the kernel release that added each.
 *
 * @module
 */

/** Link type numbers (`BPF_LINK_TYPE_*` without the prefix). */
export const LinkType = {
  UNSPEC: 0,
  RAW_TRACEPOINT: 1,
  TRACING: 2,
  CGROUP: 3,
  ITER: 4,
  NETNS: 5,
  XDP: 6,
  PERF_EVENT: 7,
  KPROBE_MULTI: 8,
  STRUCT_OPS: 9,
  NETFILTER: 10,
  TCX: 11,
  UPROBE_MULTI: 12,
  NETKIT: 13,
} as const;

/** A link type number. */
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

/** The Linux release that added each link type (the `bpf_link` form of the attachment). */
export const linkTypeSince: Readonly<Record<number, string>> = {
  1: '5.8',
  2: '5.8',
  3: '5.7',
  4: '5.8',
  5: '5.8',
  6: '5.9',
  7: '5.15',
  8: '5.18',
  9: '6.4',
  10: '6.4',
  11: '6.6',
  12: '6.6',
  13: '6.7',
};
