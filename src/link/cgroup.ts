/**
 * cgroup links.
 *
 * @module
 */

import { closeSync, constants, openSync } from 'node:fs';
import { NotFoundError } from '../errors.js';
import { linkCreate } from '../sys/link.js';
import { type AttachableProgram, Link } from './link.js';

/**
 * Attaches a cgroup program to the cgroup (v2) directory at `path` for `attachType` (default:
 * the program's expected attach type). cgroup links: Linux 5.7+.
 *
 * @throws {@link NotFoundError} for a path that cannot be opened; {@link KernelError} when the kernel refuses.
 */
export function attachCgroup(prog: AttachableProgram, path: string, attachType = prog.expectedAttachType ?? 0): Link {
  let dir: number;
  try {
    dir = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    throw new NotFoundError(`cgroup ${path}: cannot open`, { cause: err });
  }
  try {
    const fd = linkCreate({ prog: prog.fd, targetFd: dir, attachType, subject: `cgroup ${path}` });
    return new Link(fd, `cgroup ${path}`);
  } finally {
    closeSync(dir);
  }
}
