/**
 * What a type may refer to, as the kernel's BTF verifier resolves references (each kind's
 * `resolve`, `btf_func_proto_check` and `btf_type_id_size` in kernel/bpf/btf.c):
 *
 * - pointers and modifiers (typedef, const, volatile, restrict, type tag) never point at a VAR,
 *   DATASEC or DECL_TAG (they may end at void, a forward declaration, a FUNC_PROTO, or a FUNC,
 *   which the kernel resolves to its prototype: Linux 6.18 loads `const` of a FUNC);
 * - a VAR's type has a size (no `void`, `const void`, forward declaration, function or VAR);
 * - an array's elements have a size and are no odd-width integer (`Invalid array of int`), its
 *   index type is a regular integer, and its total size fits 32 bits;
 * - a function prototype returns void or a sized type and takes sized types;
 * - a DECL_TAG tags a FUNC, STRUCT, UNION, VAR or TYPEDEF;
 * - a sized DATASEC's entries are at least as large as their variables.
 *
 * Runs after every record passed its own checks and reference loops were ruled out, so IDs are
 * in range and chains of modifiers end. Referenced types may be the base's.
 * @module
 */
import { KIND_NAMES, Kind } from './kinds.js';
import type { Spec } from './spec.js';
import { ruleError } from './validate-rules.js';
import { infoKind, infoVlen, intBitOffset, intBits } from './wire.js';

/** The kernel's pointer size on every BTF-capable 64-bit target. */
const POINTER_SIZE = 8;
const U32_MAX = 0xffffffff;
/** BTF_VAR_GLOBAL_EXTERN. */
const EXTERN = 2;

/** Kinds the kernel takes only as the start of a resolution, never as a referenced type. */
function isSourceOnly(kind: number): boolean {
  return kind === Kind.Var || kind === Kind.Datasec || kind === Kind.DeclTag;
}

/** TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG: kinds whose size is their target's. */
export function isModifierKind(kind: number): boolean {
  return (
    kind === Kind.Typedef || kind === Kind.Const || kind === Kind.Volatile || kind === Kind.Restrict || kind === Kind.TypeTag
  );
}

/** Whether an INT's data word is regular as the kernel has it: no bit offset, 1-16 whole bytes of bits. */
export function isRegularInt(data: number): boolean {
  const bits = intBits(data);
  return intBitOffset(data) === 0 && (bits === 8 || bits === 16 || bits === 32 || bits === 64 || bits === 128);
}

/** The kind of each of the `n` records starting at `starts`, one byte each. */
export function kindsOf(words: Uint32Array, starts: Uint32Array, n: number): Uint8Array {
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) kinds[i] = infoKind(words[(starts[i] as number) + 1] as number);
  return kinds;
}

/** Read access to any type of a spec or its bases, by ID. */
export class TypeView {
  private readonly arraySizes = new Map<number, number>();
  private readonly first: number;
  private readonly memo: Float64Array;
  private readonly words: Uint32Array;
  private readonly starts: Uint32Array;
  /** The kind of each own type, by local index (see {@link kindsOf}). */
  private readonly kinds: Uint8Array;

  /** @param kinds - {@link kindsOf} the spec's own types, when the caller has them already. */
  constructor(
    private readonly spec: Spec,
    kinds?: Uint8Array,
  ) {
    this.first = spec.firstId;
    this.memo = new Float64Array(spec.section.count);
    this.words = spec.section.words;
    this.starts = spec.section.starts;
    this.kinds = kinds ?? kindsOf(this.words, this.starts, this.starts.length);
  }

  /**
   * Word `k` of type `id`'s record. The spec's own types are read in place: the checks read
   * several words of each of some million references in vmlinux, and going through the spec
   * that owns the ID each time was most of their cost before the code warmed up.
   */
  private word(id: number, k: number): number {
    const local = id - this.first;
    if (local >= 0 && local < this.starts.length) return this.words[(this.starts[local] as number) + k] as number;
    const o = this.spec.specOf(id)!;
    return o.section.words[(o.section.starts[id - o.firstId] as number) + k] as number;
  }

  /** Kind of `id`; `Kind.Unknown` for void. */
  kind(id: number): number {
    // Asked some half a million times in vmlinux (every parameter, member and reference), most
    // often of own types: their kinds are one byte each, read once.
    const local = id - this.first;
    if (local >= 0 && local < this.kinds.length) return this.kinds[local] as number;
    if (id === 0) return Kind.Unknown;
    return infoKind(this.word(id, 1));
  }
  info(id: number): number {
    return this.word(id, 1);
  }
  sizeOrType(id: number): number {
    return this.word(id, 2);
  }
  u32(id: number, byte: number): number {
    return this.word(id, 3 + (byte >>> 2));
  }

  /** `id` with modifiers followed (not pointers); chains are known to end. */
  strip(id: number): number {
    let cur = id;
    for (let guard = 0; cur !== 0 && isModifierKind(this.kind(cur)) && guard <= this.spec.nextId; guard++) {
      cur = this.sizeOrType(cur);
    }
    return cur;
  }

  /**
   * Size in bytes of the type `id` ends at (after modifiers), as the kernel's
   * `btf_type_id_size` has it; -1 when it has none (void, FWD, FUNC, FUNC_PROTO, VAR, DECL_TAG),
   * -2 when an array's size overflows 32 bits.
   */
  sizeOf(id: number): number {
    // Own types' sizes are memoized (offset by 3, 0 meaning not yet known): prototypes share a
    // few parameter types many times over.
    const local = id - this.first;
    if (local >= 0 && local < this.memo.length) {
      const m = this.memo[local]!;
      if (m !== 0) return m - 3;
      const size = this.computeSize(id);
      this.memo[local] = size + 3;
      return size;
    }
    return this.computeSize(id);
  }

  private computeSize(id: number): number {
    const t = this.strip(id);
    switch (this.kind(t)) {
      case Kind.Int:
      case Kind.Enum:
      case Kind.Enum64:
      case Kind.Struct:
      case Kind.Union:
      case Kind.Float:
      case Kind.Datasec:
        return this.sizeOrType(t);
      case Kind.Ptr:
        return POINTER_SIZE;
      case Kind.Array:
        return this.arraySize(t);
      default:
        return -1;
    }
  }

  /** Total size of an array, without recursion: down to the first non-array element, then back up. */
  private arraySize(id: number): number {
    const known = this.arraySizes.get(id);
    if (known !== undefined) return known;
    const path: number[] = [];
    let cur = id;
    let size: number;
    for (;;) {
      path.push(cur);
      const elem = this.strip(this.u32(cur, 0));
      if (this.kind(elem) !== Kind.Array) {
        size = this.sizeOf(elem);
        break;
      }
      const memo = this.arraySizes.get(elem);
      if (memo !== undefined) {
        size = memo;
        break;
      }
      if (path.length > this.spec.nextId) {
        size = -1;
        break;
      }
      cur = elem;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const nelems = this.u32(path[i]!, 8);
      if (size >= 0) size = nelems * size > U32_MAX ? -2 : nelems * size;
      this.arraySizes.set(path[i]!, size);
    }
    return size;
  }
}

/**
 * By kind number, 1 for the kinds {@link checkReferences} has checks for: the modifiers, VAR,
 * ARRAY, FUNC_PROTO, DECL_TAG, DATASEC, and FUNC (for its caller's `before` check).
 */
const REFERENCE_CHECKED = new Uint8Array(128);
for (const k of [
  Kind.Ptr,
  Kind.Typedef,
  Kind.Const,
  Kind.Volatile,
  Kind.Restrict,
  Kind.TypeTag,
  Kind.Var,
  Kind.Array,
  Kind.FuncProto,
  Kind.DeclTag,
  Kind.Datasec,
  Kind.Func,
]) {
  REFERENCE_CHECKED[k] = 1;
}

/**
 * Checks what every own type of `spec` refers to.
 * @param v - the reader of types and sizes; the member placement checks reuse its sizes.
 * @param before - more checks of an own DATASEC or DECL_TAG at an index, run before its
 * references are, and of an own FUNC whose prototype is no FUNC_PROTO (to refuse it).
 * @throws {BtfRuleError} naming the referring type's ID.
 */
export function checkReferences(spec: Spec, v: TypeView = new TypeView(spec), before?: (index: number) => void): void {
  const s = spec.section;
  const words = s.words;
  const starts = s.starts;
  for (let i = 0; i < s.count; i++) {
    // The kind read in place, and the kinds with nothing to check (INT, STRUCT, ENUM: a third
    // of vmlinux) passed over before anything else is read.
    const head = starts[i] as number;
    const kind = infoKind(words[head + 1] as number);
    if (REFERENCE_CHECKED[kind] === 0) continue;
    if (kind === Kind.Func) {
      // A FUNC's one check is `before`'s (its prototype is a FUNC_PROTO): some 45,000 in
      // vmlinux, so the prototype's kind is read here, and the call made only to refuse it.
      if (v.kind(words[head + 2] as number) !== Kind.FuncProto) before?.(i);
      continue;
    }
    if (kind === Kind.Datasec || kind === Kind.DeclTag) before?.(i);
    checkReferencesOf(spec, v, i, kind);
  }
}

/** {@link checkReferences}' checks of own type `i`, of kind `kind`. */
function checkReferencesOf(spec: Spec, v: TypeView, i: number, kind: number): void {
  const s = spec.section;
  const id = spec.firstId + i;
  const at = s.offset(i);
  const st = s.sizeOrType(i);
  switch (kind) {
    case Kind.Ptr:
    case Kind.Typedef:
    case Kind.Const:
    case Kind.Volatile:
    case Kind.Restrict:
    case Kind.TypeTag: {
      const direct = v.kind(st);
      if (isSourceOnly(direct)) throw ruleError('ref-target', `refers to type [${st}], a ${kindName(direct)}`, id, at + 8);
      break;
    }
    case Kind.Var: {
      const direct = v.kind(st);
      if (isSourceOnly(direct)) throw ruleError('var-type', `has type [${st}], a ${kindName(direct)}`, id, at + 8);
      // An extern VAR may have no size: clang writes `extern const void sym __ksym` as a VAR of
      // `const void`. The kernel refuses extern VARs of any type, and loaders rewrite them.
      if (v.sizeOf(st) < 0 && s.u32(i, 0) !== EXTERN) {
        throw ruleError('var-type', `has type [${st}], which has no size`, id, at + 8);
      }
      break;
    }
    case Kind.Array:
      checkArray(v, id, s.u32(i, 0), s.u32(i, 4), s.u32(i, 8), at + 12);
      break;
    case Kind.FuncProto:
      checkProto(v, spec, i, id, at);
      break;
    case Kind.DeclTag: {
      const target = v.kind(st);
      const ok =
        target === Kind.Func || target === Kind.Struct || target === Kind.Union || target === Kind.Var || target === Kind.Typedef;
      if (!ok)
        throw ruleError(
          'decl-tag-target',
          `tags type [${st}], a ${kindName(target)}; only a FUNC, STRUCT, UNION, VAR or TYPEDEF can be tagged`,
          id,
          at + 8,
        );
      break;
    }
    case Kind.Datasec:
      if (st > 0) {
        for (let j = 0; j < infoVlen(s.info(i)); j++) {
          const vt = s.u32(i, j * 12);
          if (v.kind(vt) !== Kind.Var) continue;
          const need = v.sizeOf(v.sizeOrType(vt));
          const size = s.u32(i, j * 12 + 8);
          if (size < need)
            throw ruleError(
              'datasec-entry-size',
              `entry ${j} has size ${size}, less than its variable's ${need} bytes`,
              id,
              at + 12 + j * 12 + 8,
            );
        }
      }
      break;
    default:
      break;
  }
}

function checkArray(v: TypeView, id: number, elem: number, index: number, nelems: number, at: number): void {
  const direct = v.kind(index);
  if (index === 0 || isSourceOnly(direct) || direct === Kind.Fwd || direct === Kind.Func || direct === Kind.FuncProto) {
    throw ruleError('array-index', `index type [${index}] is ${index === 0 ? 'void' : `a ${kindName(direct)}`}`, id, at + 4);
  }
  const idx = v.strip(index);
  if (v.kind(idx) !== Kind.Int || !isRegularInt(v.u32(idx, 0))) {
    throw ruleError('array-index', `index type [${index}] is not a regular integer`, id, at + 4);
  }
  const de = v.kind(elem);
  if (elem === 0 || isSourceOnly(de) || de === Kind.Fwd || de === Kind.Func || de === Kind.FuncProto) {
    throw ruleError('array-elem', `element type [${elem}] is ${elem === 0 ? 'void' : `a ${kindName(de)}`}`, id, at);
  }
  const size = v.sizeOf(elem);
  if (size === -1) throw ruleError('array-elem', `element type [${elem}] has no size`, id, at);
  const e = v.strip(elem);
  if (v.kind(e) === Kind.Int && !isRegularInt(v.u32(e, 0))) {
    throw ruleError(
      'array-of-int',
      `element type [${elem}] is an integer of ${intBits(v.u32(e, 0))} bits at bit ${intBitOffset(v.u32(e, 0))}`,
      id,
      at,
    );
  }
  if (size === -2 || (nelems > 0 && size > Math.floor(U32_MAX / nelems))) {
    throw ruleError('array-overflow', `${nelems} elements of type [${elem}] overflow 32 bits`, id, at + 8);
  }
}

function checkProto(v: TypeView, spec: Spec, i: number, id: number, at: number): void {
  const s = spec.section;
  const ret = s.sizeOrType(i);
  if (ret !== 0) {
    const k = v.kind(ret);
    if (isSourceOnly(k)) throw ruleError('proto-return', `returns type [${ret}], a ${kindName(k)}`, id, at + 8);
    if (v.sizeOf(ret) < 0) throw ruleError('proto-return', `returns type [${ret}], which has no size`, id, at + 8);
  }
  const n = infoVlen(s.info(i));
  for (let j = 0; j < n; j++) {
    const t = s.u32(i, j * 8 + 4);
    if (t === 0) continue; // the variadic marker: its place and name are checked with the record
    const k = v.kind(t);
    if (isSourceOnly(k))
      throw ruleError('proto-arg', `param ${j} has type [${t}], a ${kindName(k)}`, id, at + 12 + j * 8 + 4, j + 1);
    if (v.sizeOf(t) < 0)
      throw ruleError('proto-arg', `param ${j} has type [${t}], which has no size`, id, at + 12 + j * 8 + 4, j + 1);
  }
}

/** The kernel's name of a kind (`FUNC_PROTO`), `void` for type 0. */
export function kindName(kind: number): string {
  if (kind === Kind.Unknown) return 'void';
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}
