/**
 * BPF iterators: a link, and reading what the iterator program writes.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { AttachType } from '../sys/attach-type.js';
import { BpfAttr, BpfCommand, FdAttr } from '../sys/attr.js';
import { bpf } from '../sys/bpf.js';
import { FD } from '../sys/fd.js';
import { linkCreate } from '../sys/link.js';
import { type AttachableProgram, Link } from './link.js';

/**
 * Attaches an iterator program (loaded with an `iter/...` target), Linux 5.8+.
 *
 * @throws {@link KernelError} when the kernel refuses.
 */
export function attachIter(prog: AttachableProgram): Link {
  const fd = linkCreate({
    prog: prog.fd,
    attachType: AttachType.TRACE_ITER,
    target: { kind: 'iter' },
    subject: `iter ${prog.name}`,
  });
  return new Link(fd, `iter ${prog.target?.name ?? prog.name}`);
}

/**
 * Runs the iterator once and returns everything it wrote (`BPF_ITER_CREATE`, then read to EOF).
 *
 * @throws {@link KernelError} when the iterator cannot be created.
 */
export function readIter(link: Link): Uint8Array {
  const fd = new FD(bpf(new BpfAttr(BpfCommand.BPF_ITER_CREATE, FdAttr.size + 4).setU32(FdAttr.fd, link.fd.raw)));
  try {
    return readFileSync(fd.raw);
  } finally {
    fd.close();
  }
}
