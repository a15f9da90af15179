/**
 * fentry, fexit, fmod_ret, tp_btf and lsm programs: attached to the target chosen at load.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { AttachType } from '../sys/attach-type.js';
import { rawTracepointOpen } from '../sys/link.js';
import { type AttachableProgram, Link } from './link.js';

const kindNames: Record<number, string> = {
  [AttachType.TRACE_FENTRY]: 'fentry',
  [AttachType.TRACE_FEXIT]: 'fexit',
  [AttachType.MODIFY_RETURN]: 'fmod_ret',
  [AttachType.TRACE_RAW_TP]: 'tp_btf',
  [AttachType.LSM_MAC]: 'lsm',
};

/**
 * Attaches a program loaded with a BTF attach target (fentry/fexit/fmod_ret/tp_btf/lsm) to it.
 *
 * @throws {@link TsbpfError} for a program without a target; {@link KernelError} when the kernel refuses.
 */
export function attachTracing(prog: AttachableProgram): Link {
  if (kindNames[prog.expectedAttachType ?? -1] === undefined) {
    throw new TsbpfError(`program ${prog.name}: not an fentry/fexit/fmod_ret/tp_btf/lsm program`);
  }
  const kind = kindNames[prog.expectedAttachType ?? -1] ?? 'tracing';
  const where = prog.target !== undefined ? `${prog.target.object}:${prog.target.name}` : '?';
  return new Link(rawTracepointOpen(prog.fd, undefined), `${kind} ${where}`);
}
