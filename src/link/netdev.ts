/**
 * XDP and tcx links on network interfaces.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { NotFoundError } from '../errors.js';
import { AttachType } from '../sys/attach-type.js';
import { linkCreate } from '../sys/link.js';
import { type AttachableProgram, Link } from './link.js';

/**
 * The index of network interface `name` in this network namespace.
 *
 * @throws {@link NotFoundError} when there is no such interface.
 */
export function ifindex(name: string): number {
  if (!/^[^/\s]{1,15}$/.test(name)) throw new NotFoundError(`network interface '${name}': not an interface name`);
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch (err) {
    throw new NotFoundError(`network interface '${name}': not found`, { cause: err });
  }
}

/** XDP attach modes (`XDP_FLAGS_*`). */
export const XdpMode = { SKB: 1 << 1, DRV: 1 << 2, HW: 1 << 3 } as const;

/**
 * Attaches an XDP program to an interface (by name or index) with an XDP link (Linux 5.9+).
 *
 * @throws {@link NotFoundError} for an unknown interface; {@link KernelError} when the kernel refuses.
 */
export function attachXdp(prog: AttachableProgram, iface: string | number, mode = 0): Link {
  const index = typeof iface === 'number' ? iface : ifindex(iface);
  const fd = linkCreate({ prog: prog.fd, targetFd: index, attachType: AttachType.XDP, flags: mode, subject: `xdp on ${iface}` });
  return new Link(fd, `xdp ${iface}`);
}

/**
 * Attaches a tc program to an interface's ingress or egress with a tcx link (Linux 6.6+).
 *
 * @throws {@link NotFoundError} for an unknown interface; {@link KernelError} when the kernel refuses.
 */
export function attachTcx(prog: AttachableProgram, iface: string | number, direction: 'ingress' | 'egress'): Link {
  const index = typeof iface === 'number' ? iface : ifindex(iface);
  const fd = linkCreate({
    prog: prog.fd,
    targetFd: index,
    attachType: direction === 'ingress' ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS,
    target: { kind: 'tcx' },
    subject: `tcx ${direction} on ${iface}`,
  });
  return new Link(fd, `tcx ${direction} ${iface}`);
}
