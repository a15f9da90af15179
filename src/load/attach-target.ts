/**
 * Attach targets of BTF-typed programs (fentry, fexit, fmod_ret, tp_btf, lsm, iter): the BTF
 * name the kernel looks up for each attach type, found in vmlinux first, then in the modules.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import type { AttachTarget, RegistryView } from '../kernel/registry.js';
import { AttachType } from '../sys/attach-type.js';
import { ProgType } from '../sys/prog-type.js';

/** Where a program was attached at load: the BTF object and the type ID (for reports). */
export interface TargetRef {
  /** `vmlinux` or a module name. */
  object: string;
  /** The type's ID in that object (module IDs continue after vmlinux's). */
  typeId: number;
  /** The function, tracepoint or hook name as given. */
  name: string;
}

/** Whether a program of this type and expected attach type names a BTF target at load. */
export function needsBtfTarget(type: number, expectedAttachType: number | undefined): boolean {
  if (type === ProgType.LSM) return true;
  if (type !== ProgType.TRACING) return false;
  return (
    expectedAttachType === AttachType.TRACE_FENTRY ||
    expectedAttachType === AttachType.TRACE_FEXIT ||
    expectedAttachType === AttachType.MODIFY_RETURN ||
    expectedAttachType === AttachType.TRACE_RAW_TP ||
    expectedAttachType === AttachType.TRACE_ITER
  );
}

/**
 * Resolves `target` (`function`, `module:function` or `vmlinux:function`) for a program with
 * this expected attach type: vmlinux first, then the modules, through `registry`. The caller owns
 * the returned target (its module BTF handle) and closes it after the load.
 *
 * @throws {@link NotFoundError} when no object has it; {@link AmbiguousError} listing the
 *   modules when several do; {@link TsbpfError} for an empty name.
 */
export function findTarget(
  registry: Pick<RegistryView, 'findProgramTarget'>,
  expectedAttachType: number | undefined,
  target: string,
): AttachTarget {
  if (target === '' || target.endsWith(':')) throw new TsbpfError(`attach target '${target}': empty name`);
  return registry.findProgramTarget(expectedAttachType ?? AttachType.TRACE_FENTRY, target);
}
