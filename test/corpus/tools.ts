/**
 * How each libbpf-tools object is run in the corpus tests: what the tool's own user space does
 * before loading (programs it turns off, attach targets and map sizes it sets at run time:
 * read from bcc's <tool>.c), what makes its programs fire, and which maps must then hold
 * something. The same profile drives the libbpf oracle (test/oracle/load-run) and tsbpf.
 *
 * Each profile picks one of the variants a tool chooses between at run time (tp_btf or raw_tp,
 * fentry or kprobe): `needs` says what the running kernel must offer for it.
 */

/** What a profile needs of the kernel. */
export type ToolNeed =
  /** Tracepoints through tracefs (tracepoint/ sections). */
  | 'tracepoints'
  /** BTF-typed tracepoints (tp_btf/), BPF_PROG_TYPE_TRACING with raw tracepoints. */
  | 'tp_btf'
  /** fentry/fexit (BPF trampolines). */
  | 'fentry'
  /** kprobes (CONFIG_KPROBE_EVENTS or the kprobe PMU). */
  | 'kprobes';

/** One way of running a libbpf-tools object. */
export interface ToolProfile {
  /** The object's tool name (test/fixtures/bpf/libbpf-tools/<tool>.bpf.o). */
  tool: string;
  /** A name for this way of running it (`runqlat` or `runqlat:raw_tp`). */
  name: string;
  needs: readonly ToolNeed[];
  /** Programs the tool turns off (bpf_program__set_autoload(false)). */
  disable?: readonly string[];
  /** Program → function, as the tool's bpf_program__set_attach_target. */
  attachTargets?: Readonly<Record<string, string>>;
  /** Map → max_entries the tool sets before load. */
  maxEntries?: Readonly<Record<string, number>>;
  /** Map → value_size the tool sets before load. */
  valueSizes?: Readonly<Record<string, number>>;
  /** A command whose run makes the programs fire (else a few system calls of the runner). */
  command?: readonly string[];
  /** Seconds to let the programs run after the trigger. */
  durationS?: number;
  /** Maps that must hold entries (or, for ring and perf buffers, have delivered records) afterwards. */
  filled: readonly string[];
}

const RAW_RUNQ = ['handle_sched_wakeup', 'handle_sched_wakeup_new', 'handle_sched_switch'];
const BTF_RUNQ = ['sched_wakeup', 'sched_wakeup_new', 'sched_switch'];
/** offcputime and capable size their stack map from their -stack-depth/-stack-storage options. */
const STACKMAP = { valueSizes: { stackmap: 127 * 8 }, maxEntries: { stackmap: 1024 } };

/** Every profile, host-runnable ones first. */
export const TOOL_PROFILES: readonly ToolProfile[] = [
  { tool: 'execsnoop', name: 'execsnoop', needs: ['tracepoints'], command: ['/bin/true'], filled: ['events'] },
  { tool: 'exitsnoop', name: 'exitsnoop', needs: ['tracepoints'], command: ['/bin/true'], filled: ['events'] },
  { tool: 'opensnoop', name: 'opensnoop', needs: ['tracepoints'], command: ['cat', '/dev/null'], filled: ['events'] },
  { tool: 'statsnoop', name: 'statsnoop', needs: ['tracepoints'], command: ['stat', '/'], filled: ['events'] },
  { tool: 'syscount', name: 'syscount', needs: ['tracepoints'], filled: ['data'] },
  { tool: 'runqlat', name: 'runqlat', needs: ['tp_btf'], disable: RAW_RUNQ, command: ['sleep', '0.05'], filled: ['hists'] },
  { tool: 'runqlat', name: 'runqlat:raw_tp', needs: [], disable: BTF_RUNQ, command: ['sleep', '0.05'], filled: ['hists'] },
  {
    tool: 'runqslower',
    name: 'runqslower',
    needs: ['tp_btf'],
    disable: RAW_RUNQ,
    command: ['sleep', '0.05'],
    filled: ['events'],
  },
  {
    tool: 'hardirqs',
    name: 'hardirqs',
    needs: ['tp_btf'],
    disable: ['irq_handler_entry', 'irq_handler_exit'],
    // Device interrupts: file system reads (through virtio in the test VMs, where little else
    // interrupts) and a write synced to disk (/var/tmp: on disk on the host, read-only in the VMs).
    command: [
      'sh',
      '-c',
      'ls -R /usr/share/zoneinfo >/dev/null; f=$(mktemp -p /var/tmp) && dd if=/dev/zero of="$f" bs=64k count=4 conv=fsync 2>/dev/null; rm -f "$f"',
    ],
    durationS: 1,
    filled: ['infos'],
  },
  {
    tool: 'cpudist',
    name: 'cpudist',
    needs: ['tp_btf'],
    disable: ['sched_switch_tp'],
    maxEntries: { start: 4194304, hists: 1 },
    command: ['sleep', '0.05'],
    filled: ['hists'],
  },
  {
    tool: 'offcputime',
    name: 'offcputime',
    needs: ['tp_btf'],
    disable: ['sched_switch_raw'],
    ...STACKMAP,
    command: ['sleep', '0.05'],
    filled: ['info', 'stackmap'],
  },
  {
    tool: 'biolatency',
    name: 'biolatency',
    needs: ['tp_btf'],
    disable: ['block_rq_insert', 'block_rq_issue', 'block_rq_complete'],
    filled: [],
  },
  { tool: 'mountsnoop', name: 'mountsnoop', needs: ['tracepoints'], filled: [] },
  { tool: 'tcplife', name: 'tcplife', needs: ['tracepoints'], filled: [] },
  // kprobe and fentry tools: in the VMs.
  { tool: 'tcpconnect', name: 'tcpconnect', needs: ['kprobes'], filled: [] },
  { tool: 'bindsnoop', name: 'bindsnoop', needs: ['kprobes'], filled: [] },
  { tool: 'tcptracer', name: 'tcptracer', needs: ['kprobes'], filled: [] },
  {
    tool: 'filelife',
    name: 'filelife',
    needs: ['kprobes'],
    command: ['sh', '-c', 'f=$(mktemp) && rm -f "$f"'],
    filled: ['events'],
  },
  {
    tool: 'capable',
    name: 'capable',
    needs: ['kprobes'],
    ...STACKMAP,
    // Giving a file away needs CAP_CHOWN.
    command: ['sh', '-c', 'f=$(mktemp) && chown 1 "$f"; rm -f "$f"'],
    filled: ['events'],
  },
  {
    tool: 'vfsstat',
    name: 'vfsstat',
    needs: ['fentry'],
    disable: [
      'kprobe_vfs_read',
      'kprobe_vfs_write',
      'kprobe_vfs_fsync',
      'kprobe_vfs_open',
      'kprobe_vfs_create',
      'kprobe_vfs_unlink',
      'kprobe_vfs_mkdir',
      'kprobe_vfs_rmdir',
    ],
    command: ['cat', '/dev/null'],
    filled: [],
  },
  {
    tool: 'vfsstat',
    name: 'vfsstat:kprobe',
    needs: ['kprobes'],
    disable: [
      'fentry_vfs_read',
      'fentry_vfs_write',
      'fentry_vfs_fsync',
      'fentry_vfs_open',
      'fentry_vfs_create',
      'fentry_vfs_unlink',
      'fentry_vfs_mkdir',
      'fentry_vfs_rmdir',
    ],
    command: ['cat', '/dev/null'],
    filled: [],
  },
  { tool: 'tcprtt', name: 'tcprtt', needs: ['fentry'], disable: ['tcp_rcv_kprobe'], filled: [] },
];

/**
 * What the running kernel visibly offers: tracepoints (tracefs has syscalls events), kprobes
 * (tracefs has kprobe_events), tp_btf (the kernel has BTF). Whether BPF trampolines (fentry)
 * work shows only when one is attached; they are taken as there in the test VMs (`inVm`), whose
 * Debian kernels have them, and not elsewhere.
 */
export function visibleNeeds(exists: (path: string) => boolean, inVm: boolean): Set<ToolNeed> {
  const have = new Set<ToolNeed>();
  if (inVm) have.add('fentry');
  if (exists('/sys/kernel/tracing/events/syscalls')) have.add('tracepoints');
  if (exists('/sys/kernel/tracing/kprobe_events')) have.add('kprobes');
  if (exists('/sys/kernel/btf/vmlinux')) have.add('tp_btf');
  return have;
}

/** Whether a kernel offering `have` can run `profile`. */
export function profileRuns(profile: ToolProfile, have: ReadonlySet<ToolNeed>): boolean {
  return profile.needs.every((n) => have.has(n));
}
