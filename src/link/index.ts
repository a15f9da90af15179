/**
 * Attaching loaded programs: BPF links of each kind, raw tracepoints, perf-event kprobes,
 * uprobes and tracepoints; every link detaches when closed.
 * @module
 */

export { attachCgroup } from './cgroup.js';
export { attachIter, readIter } from './iter.js';
export { attachKprobe, attachKprobeMulti, type KprobeOptions } from './kprobe.js';
export { type AttachableProgram, Link } from './link.js';
export { attachTcx, attachXdp, type XdpMode } from './netdev.js';
export { attachPerfEvent } from './perf-event.js';
export { attachPerfSampling, cpuListMembers, type PerfSamplingOptions, SoftwareEvent } from './perf-sampling.js';
export { attachSocketFilter, SocketFilter } from './socket-filter.js';
export { attachRawTracepoint, attachTracepoint } from './tracepoint.js';
export { attachTracing } from './tracing.js';
export { attachUprobe, type UprobeOptions } from './uprobe.js';
