/**
 * Program, attach and map types: the kernel's `enum bpf_prog_type`, `enum bpf_attach_type` and
 * `enum bpf_map_type` (UAPI `linux/bpf.h`), names without their `BPF_PROG_TYPE_`, `BPF_` and
 * `BPF_MAP_TYPE_` prefixes, same values. Generated from the UAPI header, with the values added
 * since (through Linux 6.12; `CGRP_STORAGE` and `ARENA` for maps) appended in the kernel's order.
 *
 * @module
 */

/** `enum bpf_prog_type`. */
export enum ProgramType {
  /** Not a program type (0); the kernel refuses it. */
  UNSPEC = 0,
  /** Socket filter, attached with `SO_ATTACH_BPF`: sees each packet of the socket and returns how many bytes to keep (Linux 3.19). */
  SOCKET_FILTER = 1,
  /** kprobe, kretprobe, uprobe and uretprobe programs (also kprobe.multi and uprobe.multi): run on a probed instruction with its `pt_regs` (Linux 4.1). */
  KPROBE = 2,
  /** tc classifier (`tc` filter or tcx/netkit link) on a device's ingress or egress: sees an `__sk_buff`, returns a `TC_ACT_*` verdict (Linux 4.1). */
  SCHED_CLS = 3,
  /** tc action (`tc action bpf`): sees an `__sk_buff`, returns a `TC_ACT_*` verdict (Linux 4.1). */
  SCHED_ACT = 4,
  /** Tracepoint program: runs on a tracefs tracepoint with its event record (Linux 4.7). */
  TRACEPOINT = 5,
  /** XDP program on a device's receive path (or a devmap/cpumap entry): sees an `xdp_md`, returns an `XDP_*` action (Linux 4.8). */
  XDP = 6,
  /** Runs on a perf event overflow (sampling) with its `bpf_perf_event_data` (Linux 4.9). */
  PERF_EVENT = 7,
  /** Cgroup packet filter on a cgroup's ingress or egress: returns 1 to let the packet through, 0 to drop it (Linux 4.10). */
  CGROUP_SKB = 8,
  /** Cgroup socket hook: runs at socket creation, release and post-bind with the `bpf_sock` (Linux 4.10). */
  CGROUP_SOCK = 9,
  /** Lightweight tunnel input hook (route `encap bpf in`) (Linux 4.10). */
  LWT_IN = 10,
  /** Lightweight tunnel output hook (route `encap bpf out`) (Linux 4.10). */
  LWT_OUT = 11,
  /** Lightweight tunnel transmit hook (route `encap bpf xmit`): may push an encapsulation header (Linux 4.10). */
  LWT_XMIT = 12,
  /** Socket operations on a cgroup: TCP events (connection established, RTO, RTT...) with a `bpf_sock_ops` (Linux 4.13). */
  SOCK_OPS = 13,
  /** Stream parser or verdict of a sockmap/sockhash: sees the socket's incoming `__sk_buff`s (Linux 4.14). */
  SK_SKB = 14,
  /** Device access control of a cgroup: allows or denies opening a device node (Linux 4.15). */
  CGROUP_DEVICE = 15,
  /** Verdict on messages sent on sockets of a sockmap/sockhash (`sendmsg`, `sendfile`) (Linux 4.17). */
  SK_MSG = 16,
  /** Raw tracepoint: runs on a tracepoint with its raw arguments, before the event record is built (Linux 4.17). */
  RAW_TRACEPOINT = 17,
  /** Cgroup socket address hook: bind, connect, sendmsg, recvmsg, getpeername, getsockname (may rewrite the address) (Linux 4.17). */
  CGROUP_SOCK_ADDR = 18,
  /** IPv6 segment routing `End.BPF` action (Linux 4.18). */
  LWT_SEG6LOCAL = 19,
  /** Infrared decoder attached to a lirc device: decodes raw pulses and spaces (Linux 4.18). */
  LIRC_MODE2 = 20,
  /** Selects the socket of a `SO_REUSEPORT` group that takes an incoming packet or connection (Linux 4.19). */
  SK_REUSEPORT = 21,
  /** Flow dissector of a network namespace: parses packet headers into a `bpf_flow_keys` (Linux 4.20). */
  FLOW_DISSECTOR = 22,
  /** Cgroup sysctl hook: allows or denies reading and writing `/proc/sys` entries, and may rewrite the value (Linux 5.2). */
  CGROUP_SYSCTL = 23,
  /** Raw tracepoint that may write to the tracepoint's buffer argument (Linux 5.2). */
  RAW_TRACEPOINT_WRITABLE = 24,
  /** Cgroup `getsockopt`/`setsockopt` hook: may change the option or its value (Linux 5.3). */
  CGROUP_SOCKOPT = 25,
  /** BTF-typed tracing: fentry, fexit, fmod_ret, tp_btf and iterators, with typed arguments (Linux 5.5). */
  TRACING = 26,
  /** Implements a member function of a kernel `struct *_ops` (TCP congestion control, sched_ext...) (Linux 5.6). */
  STRUCT_OPS = 27,
  /** Extension (freplace): replaces a global function of another loaded BPF program (Linux 5.6). */
  EXT = 28,
  /** BPF LSM: runs on a Linux security module hook and may deny the operation (Linux 5.7). */
  LSM = 29,
  /** Socket lookup of a network namespace: picks the listening or receiving socket for an incoming packet (Linux 5.9). */
  SK_LOOKUP = 30,
  /** Runs only through `BPF_PROG_TEST_RUN`, and may itself call `bpf()` (loaders written in BPF) (Linux 5.14). */
  SYSCALL = 31,
  /** netfilter hook: returns `NF_ACCEPT` or `NF_DROP` for a packet (Linux 6.4). */
  NETFILTER = 32,
}

/** `enum bpf_attach_type`. */
export enum AttachType {
  /** `CGROUP_SKB` on packets a cgroup's sockets receive. */
  CGROUP_INET_INGRESS = 0,
  /** `CGROUP_SKB` on packets a cgroup's sockets send. */
  CGROUP_INET_EGRESS = 1,
  /** `CGROUP_SOCK` when a cgroup's process creates an inet socket. */
  CGROUP_INET_SOCK_CREATE = 2,
  /** `SOCK_OPS` of a cgroup's TCP sockets. */
  CGROUP_SOCK_OPS = 3,
  /** `SK_SKB` stream parser of a sockmap/sockhash: says how long each message is. */
  SK_SKB_STREAM_PARSER = 4,
  /** `SK_SKB` stream verdict of a sockmap/sockhash: pass, drop or redirect each parsed message. */
  SK_SKB_STREAM_VERDICT = 5,
  /** `CGROUP_DEVICE` of a cgroup. */
  CGROUP_DEVICE = 6,
  /** `SK_MSG` verdict of a sockmap/sockhash. */
  SK_MSG_VERDICT = 7,
  /** `CGROUP_SOCK_ADDR` on IPv4 `bind`. */
  CGROUP_INET4_BIND = 8,
  /** `CGROUP_SOCK_ADDR` on IPv6 `bind`. */
  CGROUP_INET6_BIND = 9,
  /** `CGROUP_SOCK_ADDR` on IPv4 `connect`. */
  CGROUP_INET4_CONNECT = 10,
  /** `CGROUP_SOCK_ADDR` on IPv6 `connect`. */
  CGROUP_INET6_CONNECT = 11,
  /** `CGROUP_SOCK` after an IPv4 socket is bound. */
  CGROUP_INET4_POST_BIND = 12,
  /** `CGROUP_SOCK` after an IPv6 socket is bound. */
  CGROUP_INET6_POST_BIND = 13,
  /** `CGROUP_SOCK_ADDR` on `sendmsg` of an unconnected UDP/IPv4 socket. */
  CGROUP_UDP4_SENDMSG = 14,
  /** `CGROUP_SOCK_ADDR` on `sendmsg` of an unconnected UDP/IPv6 socket. */
  CGROUP_UDP6_SENDMSG = 15,
  /** `LIRC_MODE2` on a lirc device. */
  LIRC_MODE2 = 16,
  /** `FLOW_DISSECTOR` of a network namespace. */
  FLOW_DISSECTOR = 17,
  /** `CGROUP_SYSCTL` of a cgroup. */
  CGROUP_SYSCTL = 18,
  /** `CGROUP_SOCK_ADDR` on `recvmsg` of a UDP/IPv4 socket (may rewrite the source address). */
  CGROUP_UDP4_RECVMSG = 19,
  /** `CGROUP_SOCK_ADDR` on `recvmsg` of a UDP/IPv6 socket (may rewrite the source address). */
  CGROUP_UDP6_RECVMSG = 20,
  /** `CGROUP_SOCKOPT` on `getsockopt`. */
  CGROUP_GETSOCKOPT = 21,
  /** `CGROUP_SOCKOPT` on `setsockopt`. */
  CGROUP_SETSOCKOPT = 22,
  /** `TRACING` on a BTF-typed raw tracepoint (`tp_btf`). */
  TRACE_RAW_TP = 23,
  /** `TRACING` at the entry of a kernel or BPF function (fentry). */
  TRACE_FENTRY = 24,
  /** `TRACING` at the return of a kernel or BPF function, with its arguments and return value (fexit). */
  TRACE_FEXIT = 25,
  /** `TRACING` that may replace an error-injectable function's return value (fmod_ret). */
  MODIFY_RETURN = 26,
  /** `LSM` on an LSM hook, for every task. */
  LSM_MAC = 27,
  /** `TRACING` as a BPF iterator (`iter/task`, `iter/bpf_map`...), read through an iterator link. */
  TRACE_ITER = 28,
  /** `CGROUP_SOCK_ADDR` on IPv4 `getpeername`. */
  CGROUP_INET4_GETPEERNAME = 29,
  /** `CGROUP_SOCK_ADDR` on IPv6 `getpeername`. */
  CGROUP_INET6_GETPEERNAME = 30,
  /** `CGROUP_SOCK_ADDR` on IPv4 `getsockname`. */
  CGROUP_INET4_GETSOCKNAME = 31,
  /** `CGROUP_SOCK_ADDR` on IPv6 `getsockname`. */
  CGROUP_INET6_GETSOCKNAME = 32,
  /** `XDP` program of a devmap entry: runs on frames redirected to that device. */
  XDP_DEVMAP = 33,
  /** `CGROUP_SOCK` when a cgroup's inet socket is released. */
  CGROUP_INET_SOCK_RELEASE = 34,
  /** `XDP` program of a cpumap entry: runs on the CPU frames are redirected to. */
  XDP_CPUMAP = 35,
  /** `SK_LOOKUP` of a network namespace. */
  SK_LOOKUP = 36,
  /** `XDP` on a network device, through a BPF link. */
  XDP = 37,
  /** `SK_SKB` verdict of a sockmap/sockhash without a stream parser (each skb as it comes). */
  SK_SKB_VERDICT = 38,
  /** `SK_REUSEPORT` selecting a socket of the group. */
  SK_REUSEPORT_SELECT = 39,
  /** `SK_REUSEPORT` selecting a socket, and also where requests of a closing listener migrate. */
  SK_REUSEPORT_SELECT_OR_MIGRATE = 40,
  /** A program (kprobe, uprobe, tracepoint, perf event) on a perf event, through a BPF link. */
  PERF_EVENT = 41,
  /** `KPROBE` on many functions at once (kprobe.multi). */
  TRACE_KPROBE_MULTI = 42,
  /** `LSM` on an LSM hook, for the tasks of one cgroup. */
  LSM_CGROUP = 43,
  /** `STRUCT_OPS` member of a registered `struct_ops` map. */
  STRUCT_OPS = 44,
  /** `NETFILTER` on a netfilter hook (protocol family, hook, priority). */
  NETFILTER = 45,
  /** `SCHED_CLS` on a device's ingress through tcx. */
  TCX_INGRESS = 46,
  /** `SCHED_CLS` on a device's egress through tcx. */
  TCX_EGRESS = 47,
  /** `KPROBE` on many user-space locations at once (uprobe.multi). */
  TRACE_UPROBE_MULTI = 48,
  /** `CGROUP_SOCK_ADDR` on `connect` of a Unix socket. */
  CGROUP_UNIX_CONNECT = 49,
  /** `CGROUP_SOCK_ADDR` on `sendmsg` of an unconnected Unix socket. */
  CGROUP_UNIX_SENDMSG = 50,
  /** `CGROUP_SOCK_ADDR` on `recvmsg` of a Unix socket. */
  CGROUP_UNIX_RECVMSG = 51,
  /** `CGROUP_SOCK_ADDR` on `getpeername` of a Unix socket. */
  CGROUP_UNIX_GETPEERNAME = 52,
  /** `CGROUP_SOCK_ADDR` on `getsockname` of a Unix socket. */
  CGROUP_UNIX_GETSOCKNAME = 53,
  /** `SCHED_CLS` on the primary device of a netkit pair. */
  NETKIT_PRIMARY = 54,
  /** `SCHED_CLS` on the peer device of a netkit pair. */
  NETKIT_PEER = 55,
  /** `KPROBE` on many functions, one program at entry and return sharing a session (kprobe.session). */
  TRACE_KPROBE_SESSION = 56,
  /** `KPROBE` on many user-space locations, at entry and return sharing a session (uprobe.session). */
  TRACE_UPROBE_SESSION = 57,
}

/** `enum bpf_map_type`. */
export enum MapType {
  /** Not a map type (0); the kernel refuses it. */
  UNSPEC = 0,
  /** Hash table of fixed-size keys and values (Linux 3.19). */
  HASH = 1,
  /** Array indexed by a u32 key, preallocated and zeroed; entries cannot be deleted (Linux 3.19). */
  ARRAY = 2,
  /** Array of program fds, the targets of tail calls (`bpf_tail_call`) (Linux 4.2). */
  PROG_ARRAY = 3,
  /** Array of perf event fds, one per CPU, that `bpf_perf_event_output` writes samples to (Linux 4.3). */
  PERF_EVENT_ARRAY = 4,
  /** Hash table with one value per possible CPU for each key (Linux 4.6). */
  PERCPU_HASH = 5,
  /** Array with one value per possible CPU for each index (Linux 4.6). */
  PERCPU_ARRAY = 6,
  /** Stack traces stored by `bpf_get_stackid`, keyed by the stack ID (Linux 4.6). */
  STACK_TRACE = 7,
  /** Array of cgroup fds, for `bpf_skb_under_cgroup` and `bpf_current_task_under_cgroup` (Linux 4.8). */
  CGROUP_ARRAY = 8,
  /** Hash table that evicts its least recently used entries when full (Linux 4.10). */
  LRU_HASH = 9,
  /** LRU hash table with one value per possible CPU for each key (Linux 4.10). */
  LRU_PERCPU_HASH = 10,
  /** Longest-prefix-match trie: keys are a prefix length (u32) followed by the data (IP prefixes) (Linux 4.11). */
  LPM_TRIE = 11,
  /** Array whose values are maps (fds in, IDs out), all like the inner map given at creation (Linux 4.12). */
  ARRAY_OF_MAPS = 12,
  /** Hash table whose values are maps (fds in, IDs out), all like the inner map given at creation (Linux 4.12). */
  HASH_OF_MAPS = 13,
  /** Array of network devices, for `bpf_redirect_map` from XDP (Linux 4.14). */
  DEVMAP = 14,
  /** Array of sockets, for socket redirection by `SK_SKB` and `SK_MSG` programs (Linux 4.14). */
  SOCKMAP = 15,
  /** Array of CPUs that XDP redirects frames to, each with its queue (Linux 4.15). */
  CPUMAP = 16,
  /** Array of AF_XDP sockets that XDP redirects frames to (Linux 4.18). */
  XSKMAP = 17,
  /** Hash table of sockets, for socket redirection by `SK_SKB` and `SK_MSG` programs (Linux 4.18). */
  SOCKHASH = 18,
  /** Storage of cgroup programs: one value per cgroup (and attach type) they are attached to (deprecated for `CGRP_STORAGE`) (Linux 4.19). */
  CGROUP_STORAGE = 19,
  /** Array of sockets for `SK_REUSEPORT` programs to select from (Linux 4.19). */
  REUSEPORT_SOCKARRAY = 20,
  /** `CGROUP_STORAGE` with one value per possible CPU (Linux 4.20). */
  PERCPU_CGROUP_STORAGE = 21,
  /** FIFO queue of values (no keys): push, peek, pop (Linux 4.20). */
  QUEUE = 22,
  /** LIFO stack of values (no keys): push, peek, pop (Linux 4.20). */
  STACK = 23,
  /** Storage attached to sockets: one value per socket, freed with it (Linux 5.2). */
  SK_STORAGE = 24,
  /** Network devices by hashed key (often the ifindex), for `bpf_redirect_map` from XDP (Linux 5.4). */
  DEVMAP_HASH = 25,
  /** A kernel `struct *_ops` whose members are `STRUCT_OPS` programs, registered on update or through a link (Linux 5.6). */
  STRUCT_OPS = 26,
  /** Ring buffer shared by all CPUs: the program reserves and commits records, user space reads them in order; `max_entries` is its size in bytes (Linux 5.8). */
  RINGBUF = 27,
  /** Storage attached to inodes (for `LSM` programs): one value per inode (Linux 5.10). */
  INODE_STORAGE = 28,
  /** Storage attached to tasks: one value per task, freed with it (Linux 5.11). */
  TASK_STORAGE = 29,
  /** Bloom filter of values (no keys): `map_extra` sets the number of hash functions (Linux 5.16). */
  BLOOM_FILTER = 30,
  /** Ring buffer user space writes and programs drain with `bpf_user_ringbuf_drain` (Linux 6.1). */
  USER_RINGBUF = 31,
  /** Storage attached to cgroups: one value per cgroup, freed with it (Linux 6.2). */
  CGRP_STORAGE = 32,
  /** Memory shared by programs and user space through mmap, allocated by the page (`map_extra` sets its user-space address) (Linux 6.9). */
  ARENA = 33,
}
