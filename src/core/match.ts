/**
 * Matching a local spec against one candidate type (libbpf's `bpf_core_spec_match`): find each
 * named member by name (through anonymous members), check each array index against the
 * target's bounds, check the field types are compatible, and build the candidate's own spec
 * with its bit offset along the way.
 * @module
 */
import type { Type } from '../btf/types.js';
import { CoreError } from '../errors.js';
import {
  type Accessor,
  addBits,
  type CoreSpec,
  isFlexArray,
  MAX_SPEC_LEN,
  resolveSize,
  skipModsAndTypedefs,
} from './access-spec.js';
import { sameEssentialName } from './candidates.js';
import { fieldsAreCompatible, typesAreCompatible, typesMatch } from './compat.js';
import { CoreReloKind, isEnumvalKind, isFieldKind, isTypeKind } from './relo-kind.js';

const U32 = 2 ** 32;

/** A candidate's spec, and whether it matched. The spec is partial when it did not match. */
export interface MatchResult {
  readonly matched: boolean;
  readonly spec: CoreSpec;
}

function tooLong(): CoreError {
  return new CoreError(`target access is longer than ${MAX_SPEC_LEN} steps`);
}

/**
 * Looks for the member `local` names in target type `targetType`, descending into anonymous
 * members, speculatively extending `spec` (raw steps and bit offset) as it goes. Returns the
 * member's type when found and compatible, `false` when not found or incompatible.
 *
 * Mirrors libbpf's walk exactly, including that a name found but incompatible leaves its
 * speculative raw step and offset in place, and that the search then goes on in the enclosing
 * type (which C's unique member names make moot).
 */
function matchMember(local: Accessor, targetType: Type, spec: CoreSpec): Type | false {
  const t = skipModsAndTypedefs(targetType);
  if (t.kind !== 'struct' && t.kind !== 'union') return false;
  const lt = local.type as Extract<Type, { kind: 'struct' | 'union' }>;
  const localMember = lt.members[local.idx]!;
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    if (spec.raw.length === MAX_SPEC_LEN) throw tooLong();
    spec.bitOffset = (spec.bitOffset + m.bitOffset) % U32;
    spec.raw.push(i);
    if (m.name === '') {
      const found = matchMember(local, m.type, spec);
      if (found) return found;
    } else if (m.name === localMember.name) {
      spec.accessors.push({ type: t, idx: i, name: m.name });
      if (!fieldsAreCompatible(localMember.type, m.type)) {
        spec.accessors.pop();
        return false;
      }
      return m.type;
    }
    spec.bitOffset = (spec.bitOffset - m.bitOffset + U32) % U32;
    spec.raw.pop();
  }
  return false;
}

/**
 * Matches `local` against candidate `target` and returns the candidate's spec.
 * @throws {CoreError} where libbpf fails the whole relocation (not merely rejects the
 * candidate): types nested too deeply, target steps beyond {@link MAX_SPEC_LEN}, a target type
 * without a size.
 */
export function matchSpec(local: CoreSpec, target: Type): MatchResult {
  const spec: CoreSpec = { kind: local.kind, root: target, accessors: [], raw: [], bitOffset: 0 };
  if (isTypeKind(local.kind)) {
    const matched =
      local.kind === CoreReloKind.TypeMatches ? typesMatch(local.root, target) : typesAreCompatible(local.root, target);
    return { matched, spec };
  }

  if (isEnumvalKind(local.kind)) {
    const t = skipModsAndTypedefs(target);
    if (t.kind !== 'enum' && t.kind !== 'enum64') return { matched: false, spec };
    const name = local.accessors[0]!.name!;
    for (let i = 0; i < t.values.length; i++) {
      if (sameEssentialName(name, t.values[i]!.name)) {
        spec.accessors.push({ type: t, idx: i, name: t.values[i]!.name });
        spec.raw.push(i);
        return { matched: true, spec };
      }
    }
    return { matched: false, spec };
  }

  if (!isFieldKind(local.kind)) throw new CoreError(`unknown CO-RE relocation kind ${local.kind}`);

  let cur: Type = target;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i]!;
    let t = skipModsAndTypedefs(cur);
    if (acc.name !== undefined) {
      const found = matchMember(acc, t, spec);
      if (!found) return { matched: false, spec };
      cur = found;
      continue;
    }
    if (i > 0) {
      if (t.kind !== 'array') return { matched: false, spec };
      const flex = isFlexArray(spec.accessors[i - 1], t);
      if (!flex && acc.idx >= t.nelems) return { matched: false, spec };
      t = skipModsAndTypedefs(t.type);
    }
    if (spec.raw.length === MAX_SPEC_LEN) throw tooLong();
    spec.accessors.push({ type: t, idx: acc.idx, name: undefined });
    spec.raw.push(acc.idx);
    const size = resolveSize(t);
    if (size === undefined) throw new CoreError(`target type [${t.id}] ${t.kind} has no size`);
    spec.bitOffset = addBits(spec.bitOffset, acc.idx, size);
    cur = t;
  }
  return { matched: true, spec };
}
