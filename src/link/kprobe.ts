/**
 * kprobes and kretprobes (on vmlinux and module functions) and kprobe.multi.
 *
 * @module
 */

import { KernelError, NotSupportedError } from '../errors.js';
import { AttachType } from '../sys/attach-type.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { linkCreate } from '../sys/link.js';
import { perfEventOpen } from '../sys/perf.js';
import { type AttachableProgram, Link } from './link.js';
import { attachPerfEvent } from './perf-event.js';
import { probePmu } from './tracefs.js';

/** Options of {@link attachKprobe}. */
export interface KprobeOptions {
  /** A return probe (kretprobe). */
  retprobe?: boolean;
  /** Offset into the function. */
  offset?: bigint;
  /**
   * A value the program reads with `bpf_get_attach_cookie` (carried by a perf-event link: kernels
   * before 5.15 refuse it with a `NotSupportedError`).
   */
  cookie?: bigint;
}

/**
 * Attaches a kprobe program to `target`: `function` or `module:function` (a function of a
 * loaded module), through the kprobe PMU.
 *
 * @throws {@link KernelError} (`ENOENT`/`EINVAL` when the kernel has no such function or it
 *   cannot be probed); {@link NotSupportedError} without the kprobe PMU.
 */
export function attachKprobe(prog: AttachableProgram, target: string, options: KprobeOptions = {}): Link {
  const pmu = probePmu('kprobe');
  const kind = options.retprobe ? 'kretprobe' : 'kprobe';
  const open = (symbol: string) =>
    perfEventOpen({
      type: pmu.type,
      config: options.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
      config1: symbol,
      config2: options.offset ?? 0n,
      pid: -1,
      cpu: 0,
      subject: `${kind} ${target}`,
    });
  let event: FD;
  try {
    event = open(target);
  } catch (err) {
    // Kernels that resolve only plain symbols: a module function's name is unique enough there.
    const colon = target.indexOf(':');
    if (colon < 0 || !(err instanceof KernelError && (err.errno === Errno.EINVAL || err.errno === Errno.ENOENT))) throw err;
    event = open(target.slice(colon + 1));
  }
  return attachPerfEvent(prog.fd, event, `${kind} ${target}`, options.cookie);
}

/**
 * Attaches a kprobe.multi program to every function in `symbols` at once (Linux 5.18+).
 *
 * @throws {@link NotSupportedError} where the kernel lacks kprobe.multi; {@link KernelError}
 *   (`ESRCH`/`EINVAL`) for a function it cannot probe.
 */
export function attachKprobeMulti(
  prog: AttachableProgram,
  symbols: readonly string[],
  options: { retprobe?: boolean; cookies?: readonly bigint[] } = {},
): Link {
  const kind = options.retprobe ? 'kretprobe.multi' : 'kprobe.multi';
  const description = `${kind} ${symbols.length === 1 ? symbols[0] : `${symbols.length} functions`}`;
  try {
    const fd = linkCreate({
      prog: prog.fd,
      attachType: AttachType.TRACE_KPROBE_MULTI,
      target: {
        kind: 'kprobe-multi',
        symbols,
        ...(options.cookies !== undefined ? { cookies: options.cookies } : {}),
        retprobe: options.retprobe ?? false,
      },
      subject: description,
    });
    return new Link(fd, description);
  } catch (err) {
    if (
      err instanceof KernelError &&
      err.errno === Errno.EINVAL &&
      symbols.length > 0 &&
      prog.expectedAttachType !== AttachType.TRACE_KPROBE_MULTI
    ) {
      throw new NotSupportedError(`${description}: program ${prog.name} was not loaded for kprobe.multi`);
    }
    throw err;
  }
}
