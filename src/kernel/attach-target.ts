/**
 * Attach targets of BTF-based programs (fentry, fexit, fmod_ret, tp_btf, lsm, iter): which BTF
 * type a program names, how its attach type spells that name in BTF, and what the loader passes
 * to the kernel (`attach_btf_obj_fd` + `attach_btf_id`).
 * @module
 */
import type { TypeKind } from '../btf/types.js';
import { AttachType } from '../sys/attach-type.js';
import type { Handle } from './handle.js';
import type { ModuleHandle } from './module-handles.js';
import type { TypeMatch } from './name-search.js';

/**
 * The BTF-based attach types under their uapi names: the numbers are sys/attach-type's
 * {@link AttachType} (one table of `enum bpf_attach_type`).
 */
export const BtfAttachType = {
  BPF_TRACE_RAW_TP: AttachType.TRACE_RAW_TP,
  BPF_TRACE_FENTRY: AttachType.TRACE_FENTRY,
  BPF_TRACE_FEXIT: AttachType.TRACE_FEXIT,
  BPF_MODIFY_RETURN: AttachType.MODIFY_RETURN,
  BPF_LSM_MAC: AttachType.LSM_MAC,
  BPF_TRACE_ITER: AttachType.TRACE_ITER,
  BPF_LSM_CGROUP: AttachType.LSM_CGROUP,
} as const;

/** How a program's attach type names its target in BTF. */
export interface AttachNaming {
  /** Prepended to the target's name: `btf_trace_` (tp_btf), `bpf_lsm_` (lsm), `bpf_iter_` (iter), or `''`. */
  readonly prefix: string;
  /** The kind of the BTF type: `typedef` for tp_btf (`btf_trace_<tp>`), else `func`. */
  readonly kind: TypeKind;
}

/**
 * The BTF naming of an attach type, as the kernel resolves `attach_btf_id` (and libbpf's
 * `find_attach_btf_id`): raw tracepoints by typedef `btf_trace_<name>`, LSM hooks by function
 * `bpf_lsm_<name>`, iterators by function `bpf_iter_<name>`, everything else (fentry, fexit,
 * fmod_ret, freplace) by the function's own name.
 * @param attachType - an `enum bpf_attach_type` value (see {@link AttachType}).
 */
export function attachNaming(attachType: number): AttachNaming {
  switch (attachType) {
    case AttachType.TRACE_RAW_TP:
      return { prefix: 'btf_trace_', kind: 'typedef' };
    case AttachType.LSM_MAC:
    case AttachType.LSM_CGROUP:
      return { prefix: 'bpf_lsm_', kind: 'func' };
    case AttachType.TRACE_ITER:
      return { prefix: 'bpf_iter_', kind: 'func' };
    default:
      return { prefix: '', kind: 'func' };
  }
}

/**
 * Where a program attaches: the BTF object and the type ID. A vmlinux target's
 * `attach_btf_obj_fd` is 0; a module target carries the module's BTF object open (shared with
 * every other holder, see {@link AttachTarget.close}), and never fd 0.
 */
export interface AttachTarget {
  /** `vmlinux` or the module's name. */
  readonly object: string;
  /** Whether the target is in vmlinux (else in a module). */
  readonly inVmlinux: boolean;
  /** The BTF object's ID in the running kernel, when known. */
  readonly objectId: number | undefined;
  /** `attach_btf_id`. */
  readonly typeId: number;
  /** Kind of the target type (`func` for functions, `typedef` for tracepoints' `btf_trace_*`...). */
  readonly kind: TypeKind;
  /** The BTF name found (with its attach-type prefix, `btf_trace_sched_switch`). */
  readonly name: string;
  /** The match it was resolved from (spec, decoded type). */
  readonly match: TypeMatch;
  /**
   * The module's BTF object, open: `undefined` for vmlinux, and for a module when the registry
   * is not on the running kernel (a directory of another kernel's BTF: nothing to attach to).
   */
  readonly handle: Handle | undefined;
  /**
   * `attach_btf_obj_fd`: 0 for vmlinux, the module's BTF object fd for a module; `undefined`
   * for a module when the registry is not on the running kernel (never 0 for a module, which
   * the kernel would read as vmlinux).
   */
  readonly fd: number | undefined;
  /** Releases the module's BTF object (closed when no other target or fd_array holds it). */
  close(): void;
}

/** The target for a match, holding `held` (a module's shared BTF object) when given. */
export function attachTarget(m: TypeMatch, held: ModuleHandle | undefined): AttachTarget {
  const inVmlinux = m.object === 'vmlinux';
  return {
    object: m.object,
    inVmlinux,
    objectId: held?.objectId ?? m.objectId,
    typeId: m.typeId,
    kind: m.kind,
    name: m.name,
    match: m,
    handle: held?.handle,
    fd: inVmlinux ? 0 : held?.fd,
    close: () => held?.release(),
  };
}
