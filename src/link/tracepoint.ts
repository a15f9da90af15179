/**
 * Tracepoints (through perf events and tracefs IDs) and raw tracepoints.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { rawTracepointOpen } from '../sys/link.js';
import { PerfType, perfEventOpen } from '../sys/perf.js';
import { type AttachableProgram, Link } from './link.js';
import { attachPerfEvent } from './perf-event.js';
import { tracepointId } from './tracefs.js';

/**
 * Attaches a tracepoint program to `category/name` (`syscalls/sys_enter_openat`).
 *
 * @throws {@link NotFoundError} for a tracepoint the kernel lacks; {@link KernelError} when it refuses.
 */
export function attachTracepoint(prog: AttachableProgram, target: string): Link {
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw new TsbpfError(`tracepoint '${target}': want <category>/<name>`);
  const category = target.slice(0, slash);
  const name = target.slice(slash + 1);
  const id = tracepointId(category, name);
  const event = perfEventOpen({ type: PerfType.TRACEPOINT, config: id, pid: -1, cpu: 0, subject: `tracepoint ${target}` });
  return attachPerfEvent(prog.fd, event, `tracepoint ${target}`);
}

/**
 * Attaches a raw tracepoint program to tracepoint `name` (`sched_switch`).
 *
 * @throws {@link KernelError} (`ENOENT` for an unknown tracepoint).
 */
export function attachRawTracepoint(prog: AttachableProgram, name: string): Link {
  return new Link(rawTracepointOpen(prog.fd, name), `raw_tracepoint ${name}`);
}
