/**
 * Attaching a program to an open perf event (kprobe, uprobe, tracepoint): a perf-event link
 * where the kernel has them (5.15+), else `PERF_EVENT_IOC_SET_BPF`.
 *
 * @module
 */

import { KernelError, NotSupportedError } from '../errors.js';
import { AttachType } from '../sys/attach-type.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { linkCreate } from '../sys/link.js';
import { ioctl, PerfIoctl } from '../sys/perf.js';
import { Link } from './link.js';

/**
 * Attaches `prog` to the perf event `event` (ownership of `event` passes to the link, also on
 * failure). A `cookie` travels only in a perf-event link: where the kernel has none, attaching
 * with a cookie fails rather than leave `bpf_get_attach_cookie` reading 0 (as libbpf refuses).
 *
 * @throws {@link NotSupportedError} for a cookie on a kernel without perf-event links;
 *   {@link KernelError} when the kernel refuses both ways.
 */
export function attachPerfEvent(prog: FD, event: FD, description: string, cookie?: bigint): Link {
  try {
    try {
      const fd = linkCreate({
        prog,
        targetFd: event.raw,
        attachType: AttachType.PERF_EVENT,
        target: { kind: 'perf-event', ...(cookie !== undefined ? { cookie } : {}) },
        subject: description,
      });
      return new Link(fd, description, { extra: [event] });
    } catch (err) {
      // Before 5.15 LINK_CREATE does not know perf events (EINVAL).
      if (!(err instanceof KernelError && err.errno === Errno.EINVAL)) throw err;
      if (cookie !== undefined && cookie !== 0n)
        throw new NotSupportedError(`${description}: a BPF cookie needs a perf-event link`, '5.15');
    }
    ioctl(event, PerfIoctl.SET_BPF, prog.raw, description);
    ioctl(event, PerfIoctl.ENABLE, 0, description);
    return new Link(event, description, { isBpfLink: false });
  } catch (err) {
    event.close();
    throw err;
  }
}
