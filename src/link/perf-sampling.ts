/**
 * `BPF_PROG_TYPE_PERF_EVENT` programs on sampling perf events: one event per online CPU (a
 * software clock by default, as `perf record -e cpu-clock`), the program running at each
 * sample. What libbpf leaves to its callers (`bpf_program__attach_perf_event` on events they
 * open), done for a section `perf_event` program's auto-attach.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { KernelError, TsbpfError } from '../errors.js';
import { AttachType } from '../sys/attach-type.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { linkCreate } from '../sys/link.js';
import { ioctl, PerfIoctl, PerfType, perfEventOpen } from '../sys/perf.js';
import { ProgType } from '../sys/prog-type.js';
import { type AttachableProgram, Link } from './link.js';

/** `PERF_COUNT_SW_*` software events that sample by time. */
export const SoftwareEvent = { CPU_CLOCK: 0, TASK_CLOCK: 1 } as const;

/** What {@link attachPerfSampling} opens. */
export interface PerfSamplingOptions {
  /** PMU type (default {@link PerfType.SOFTWARE}). */
  type?: number;
  /** Event of that PMU (default {@link SoftwareEvent.CPU_CLOCK}). */
  config?: bigint;
  /** Events between samples; for the clocks, nanoseconds (default 1,000,000: 1 kHz). */
  samplePeriod?: bigint;
  /** CPUs to sample on (default: every online CPU). */
  cpus?: readonly number[];
}

/**
 * Parses a kernel CPU list (`0-3,5`) into the CPUs it names.
 *
 * @throws {@link TsbpfError} for text that is not a CPU list.
 */
export function cpuListMembers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw new TsbpfError(`CPU list: cannot parse '${part}' in '${text.trim()}'`);
    const last = Number(m[2] ?? m[1]);
    for (let c = Number(m[1]); c <= last; c++) out.push(c);
  }
  return out;
}

function onlineCpus(): number[] {
  try {
    return cpuListMembers(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
  } catch (err) {
    if (err instanceof TsbpfError) throw err;
    throw new TsbpfError('cannot read /sys/devices/system/cpu/online', { cause: err });
  }
}

/**
 * Opens a sampling perf event on each CPU and attaches `prog` to every one (perf-event links
 * where the kernel has them, 5.15+, else `PERF_EVENT_IOC_SET_BPF`). The returned link owns all
 * of them: closing it detaches the program everywhere. Nothing stays open when a CPU fails.
 *
 * @throws {@link TsbpfError} for a program that is not of type perf_event; {@link KernelError}
 *   when the kernel refuses an event or the attachment.
 */
export function attachPerfSampling(prog: AttachableProgram, options: PerfSamplingOptions = {}): Link {
  if (prog.type !== ProgType.PERF_EVENT) {
    throw new TsbpfError(`program ${prog.name}: perf event sampling needs type perf_event (it is type ${prog.type})`);
  }
  const type = options.type ?? PerfType.SOFTWARE;
  const config = options.config ?? BigInt(SoftwareEvent.CPU_CLOCK);
  const what = type === PerfType.SOFTWARE && config === 0n ? 'cpu-clock' : `perf event ${type}:${config}`;
  const description = `perf_event ${prog.name} on ${what}`;
  const fds: FD[] = [];
  let isBpfLink = true;
  try {
    for (const cpu of options.cpus ?? onlineCpus()) {
      const subject = `${description}, CPU ${cpu}`;
      const event = perfEventOpen({ type, config, samplePeriod: options.samplePeriod ?? 1_000_000n, cpu, pid: -1, subject });
      fds.push(event);
      if (isBpfLink) {
        try {
          fds.push(
            linkCreate({
              prog: prog.fd,
              targetFd: event.raw,
              attachType: AttachType.PERF_EVENT,
              target: { kind: 'perf-event' },
              subject,
            }),
          );
          continue;
        } catch (err) {
          // Before 5.15 LINK_CREATE does not know perf events (EINVAL): the event holds the program.
          if (!(err instanceof KernelError && err.errno === Errno.EINVAL) || fds.length > 1) throw err;
          isBpfLink = false;
        }
      }
      ioctl(event, PerfIoctl.SET_BPF, prog.fd.raw, subject);
      ioctl(event, PerfIoctl.ENABLE, 0, subject);
    }
    if (fds.length === 0) throw new TsbpfError(`${description}: no CPU to sample on`);
    // The link's own fd: the first bpf_link (or event); the others are closed with it.
    const first = isBpfLink ? fds[1]! : fds[0]!;
    return new Link(first, description, { isBpfLink, extra: fds.filter((f) => f !== first) });
  } catch (err) {
    for (const fd of fds) fd.close();
    throw err;
  }
}
