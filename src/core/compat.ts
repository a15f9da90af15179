/**
 * The three compatibility relations CO-RE uses to accept a candidate, with libbpf 1.1's rules:
 * fields (an accessed member's type), types (type-based kinds: existence, size, IDs) and the
 * stricter "match" of `type_matches`. Names are compared by essential name throughout.
 * @module
 */
import type { ArrayType, FuncProto, Pointer, Type } from '../btf/types.js';
import { CoreError } from '../errors.js';
import { skipModsAndTypedefs } from './access-spec.js';
import { essentialNameLength, sameEssentialName } from './candidates.js';

/** Recursion limits libbpf applies (a deeper chain is an error, not a mismatch). */
const MAX_DEPTH = 32;

function isAnyEnum(t: Type): boolean {
  return t.kind === 'enum' || t.kind === 'enum64';
}

function isComposite(t: Type): boolean {
  return t.kind === 'struct' || t.kind === 'union';
}

/** Same BTF kind, or both enums of either width (libbpf's `btf_kind_core_compat`). */
export function kindsCoreCompatible(a: Type, b: Type): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

/** `BTF_INT_OFFSET` of an INT: non-zero only for the long-deprecated bitfield-like ints. */
function intOffset(t: Type): number {
  return t.kind === 'int' ? t.bitOffset : 0;
}

function tooDeep(local: Type, target: Type): CoreError {
  return new CoreError(`local type [${local.id}] and target type [${target.id}] nest too deeply to compare`);
}

/**
 * Whether the type of a local field is compatible with the target field's type found under
 * the same name (libbpf's `bpf_core_fields_are_compat`): any struct/union with any
 * struct/union, pointers with pointers, floats with floats, fwds and enums by essential name
 * (or either anonymous), ints of any size and sign (not bitfield-like ones), arrays by element.
 * @throws {CoreError} when arrays nest more than 32 levels deep.
 */
export function fieldsAreCompatible(local: Type, target: Type): boolean {
  let l = local;
  let t = target;
  // libbpf does not bound this walk (validated BTF has no array cycles); a bound keeps
  // unvalidated input from looping.
  for (let depth = 0; ; depth++) {
    if (depth > MAX_DEPTH) throw tooDeep(local, target);
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindsCoreCompatible(l, t)) return false;
    switch (l.kind) {
      case 'ptr':
      case 'float':
        return true;
      case 'fwd':
      case 'enum':
      case 'enum64': {
        const ln = essentialNameLength(l.name);
        const tn = essentialNameLength(t.name);
        return ln === 0 || tn === 0 || sameEssentialName(l.name, t.name);
      }
      case 'int':
        return intOffset(l) === 0 && intOffset(t) === 0;
      case 'array':
        l = l.type;
        t = (t as ArrayType).type;
        break;
      default:
        return false;
    }
  }
}

/**
 * Whether a local type is compatible with a candidate for the type-based kinds (libbpf's
 * `bpf_core_types_are_compat`; root names were already compared): structs, unions, enums and
 * fwds of the same kind always are, ints unless bitfield-like, pointers and arrays by their
 * targets, function prototypes by arity and each parameter and the return type.
 * @throws {CoreError} when the types nest more than 32 levels deep.
 */
export function typesAreCompatible(local: Type, target: Type, level = MAX_DEPTH): boolean {
  if (!kindsCoreCompatible(local, target)) return false;
  let l = local;
  let t = target;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep(local, target);
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (!kindsCoreCompatible(l, t)) return false;
    switch (l.kind) {
      case 'void':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'fwd':
        return true;
      case 'int':
        return intOffset(l) === 0 && intOffset(t) === 0;
      case 'ptr':
        l = l.type;
        t = (t as Pointer).type;
        break;
      case 'array':
        l = l.type;
        t = (t as ArrayType).type;
        break;
      case 'func_proto': {
        const tp = t as FuncProto;
        if (l.rawParams.length !== tp.rawParams.length) return false;
        for (let i = 0; i < l.rawParams.length; i++) {
          if (level <= 0) throw tooDeep(local, target);
          const ok = typesAreCompatible(
            skipModsAndTypedefs(l.rawParams[i]!.type),
            skipModsAndTypedefs(tp.rawParams[i]!.type),
            level - 1,
          );
          if (!ok) return false;
        }
        l = l.returnType;
        t = tp.returnType;
        break;
      }
      default:
        return false;
    }
  }
}

/** Names match for `type_matches`: both anonymous, or the same essential name. */
function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return sameEssentialName(local, target);
}

function enumsMatch(l: Type, t: Type): boolean {
  if (!isAnyEnum(l) || !isAnyEnum(t)) return false;
  const lv = (l as Extract<Type, { kind: 'enum' | 'enum64' }>).values;
  const tv = (t as Extract<Type, { kind: 'enum' | 'enum64' }>).values;
  if ((l as { size: number }).size !== (t as { size: number }).size) return false;
  if (lv.length > tv.length) return false;
  return lv.every((e) => tv.some((f) => namesMatch(e.name, f.name)));
}

function compositesMatch(l: Type, t: Type, behindPtr: boolean, level: number): boolean {
  if (!isComposite(l) || !isComposite(t)) return false;
  const lm = (l as Extract<Type, { kind: 'struct' | 'union' }>).members;
  const tm = (t as Extract<Type, { kind: 'struct' | 'union' }>).members;
  if (lm.length > tm.length) return false;
  for (const m of lm) {
    let matched = false;
    for (const n of tm) {
      if (!namesMatch(m.name, n.name)) continue;
      if (typesMatch(m.type, n.type, behindPtr, level - 1)) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

function fwdIsUnion(t: Type): boolean {
  return t.kind === 'fwd' && t.fwdKind === 'union';
}

/**
 * Whether a local type "matches" a candidate (libbpf's `bpf_core_types_match`, for
 * `type_matches`): same kind (a struct or union behind a pointer may match a fwd of the same
 * flavour, enum and enum64 match each other), names equal by essential name at every level,
 * ints of equal size and sign, arrays of equal length, enums whose every local enumerator is
 * named in the target, structs and unions whose every local member has a matching target member
 * (behind a pointer only names and kinds are checked), prototypes with matching parameters.
 * @throws {CoreError} when the types nest more than 32 levels deep.
 */
export function typesMatch(local: Type, target: Type, behindPtr = false, level = MAX_DEPTH): boolean {
  if (level <= 0) throw tooDeep(local, target);
  let l = local;
  let t = target;
  let behind = behindPtr;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep(local, target);
    l = skipModsAndTypedefs(l);
    t = skipModsAndTypedefs(t);
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 'void':
        return t.kind === 'void';
      case 'fwd':
        if (behind) {
          if (t.kind === 'fwd') return fwdIsUnion(l) === fwdIsUnion(t);
          return (t.kind === 'struct' && !fwdIsUnion(l)) || (t.kind === 'union' && fwdIsUnion(l));
        }
        return t.kind === 'fwd' && fwdIsUnion(l) === fwdIsUnion(t);
      case 'enum':
      case 'enum64':
        return enumsMatch(l, t);
      case 'struct':
      case 'union':
        if (behind) {
          if (l.kind === t.kind) return true;
          return t.kind === 'fwd' && (l.kind === 'union') === fwdIsUnion(t);
        }
        return l.kind === t.kind && compositesMatch(l, t, behind, level);
      case 'int':
        return t.kind === 'int' && l.size === t.size && l.signed === t.signed;
      case 'ptr':
        if (t.kind !== 'ptr') return false;
        behind = true;
        l = l.type;
        t = t.type;
        break;
      case 'array':
        if (t.kind !== 'array' || l.nelems !== t.nelems) return false;
        l = l.type;
        t = t.type;
        break;
      case 'func_proto': {
        if (t.kind !== 'func_proto' || l.rawParams.length !== t.rawParams.length) return false;
        for (let i = 0; i < l.rawParams.length; i++) {
          if (!typesMatch(l.rawParams[i]!.type, t.rawParams[i]!.type, behind, level - 1)) return false;
        }
        l = l.returnType;
        t = t.returnType;
        break;
      }
      default:
        return false;
    }
  }
}
