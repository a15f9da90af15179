/**
 * A link: a program attached to a hook, detached when closed.
 *
 * @module
 */

import { rmSync } from 'node:fs';
import type { FD } from '../sys/fd.js';
import { type LinkInfo, linkInfo } from '../sys/info.js';
import { linkDetach } from '../sys/link.js';
import { objPin } from '../sys/pin.js';

/** What attaching needs of a loaded program (a `Program` of `tsbpf/load` is one). */
export interface AttachableProgram {
  /** The loaded program's descriptor (borrowed: links do not close it). */
  readonly fd: FD;
  /** Program name, for messages and link descriptions. */
  readonly name: string;
  /** `BPF_PROG_TYPE_*` it was loaded as. */
  readonly type: number;
  /** `BPF_*` attach type it was loaded with, if any. */
  readonly expectedAttachType: number | undefined;
  /** The BTF target chosen at load, for BTF-typed programs. */
  readonly target?: { readonly object: string; readonly name: string } | undefined;
}

/**
 * A program attached somewhere. Closing it detaches the program (unless pinned: a pinned link
 * stays attached until its pin is removed too). Links made through a perf event on kernels
 * without perf-event links hold the perf event fd only; `fd` is that fd then.
 */
export class Link implements Disposable {
  /** The link's descriptor (or the perf event's, for ioctl attachments). */
  readonly fd: FD;
  /** What it attaches to, for messages (`fentry veth_open`, `kprobe vfs_read`, `xdp lo`). */
  readonly description: string;
  /** Whether `fd` is a `bpf_link` (false: a perf event with a program set by ioctl). */
  readonly isBpfLink: boolean;
  /** Descriptors the link also owns (the perf event behind a perf-event link). */
  readonly #extra: FD[];
  #pinnedAt: string | undefined;

  /** Takes ownership of `fd` and `extra`. */
  constructor(fd: FD, description: string, options: { isBpfLink?: boolean; extra?: FD[] } = {}) {
    this.fd = fd;
    this.description = description;
    this.isBpfLink = options.isBpfLink ?? true;
    this.#extra = options.extra ?? [];
  }

  /**
   * What the kernel reports about the link.
   *
   * @throws {@link KernelError} for a perf event attachment (not a bpf_link) or a closed link.
   */
  info(): LinkInfo {
    return linkInfo(this.fd);
  }

  /**
   * Pins the link at `path` in a bpffs mount: it stays attached after this process exits.
   *
   * @throws {@link KernelError} (`EEXIST` when the path is taken, `EINVAL` for a non-bpf_link).
   */
  pin(path: string): void {
    objPin(this.fd, path);
    this.#pinnedAt = path;
  }

  /** Removes the pin made by {@link Link.pin}. */
  unpin(): void {
    if (this.#pinnedAt === undefined) return;
    rmSync(this.#pinnedAt, { force: true });
    this.#pinnedAt = undefined;
  }

  /**
   * Detaches the program now, even if the link is pinned or its fd shared (`BPF_LINK_DETACH`,
   * Linux 5.9+); the fd stays open until {@link Link.close}.
   *
   * @throws {@link KernelError} for link types that cannot detach.
   */
  detach(): void {
    linkDetach(this.fd);
  }

  /** Closes the link's descriptors: the program is detached unless the link is pinned. */
  close(): void {
    this.fd.close();
    for (const fd of this.#extra) fd.close();
  }

  /** Same as {@link Link.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `link DESCRIPTION`. */
  toString(): string {
    return `link ${this.description}`;
  }
}
