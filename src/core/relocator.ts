/**
 * The CO-RE decision engine: for each relocation of an object, find the candidates of its local
 * type, match the access against each, require every match to agree, and describe the outcome as
 * a plain {@link CoreFixup} (printable, comparable, applied to instructions separately by
 * `patch.ts`). Decisions follow libbpf 1.1, including its candidate cache: the candidates of a
 * local type are searched once per object and narrowed, relocation after relocation, to those
 * that matched.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { Type, TypeKind } from '../btf/types.js';
import { CoreError } from '../errors.js';
import { type CoreSpec, formatSpec, parseLocalSpec } from './access-spec.js';
import { computeValue, type RelocationValue } from './calc.js';
import { type CandidateObject, type CandidateSource, essentialName } from './candidates.js';
import { matchSpec } from './match.js';
import { type CoreRelocationRecord, CoreReloKind, type CoreReloKindName, coreReloKindName } from './relo-kind.js';

/**
 * Which objects' candidates count.
 * - `'vmlinux-first'` (default, libbpf's rule): the main BTF's candidates (vmlinux, or a base
 *   BTF file given instead) when it has any; the modules' only when it has none.
 * - `'all'` (cilium/ebpf's rule): every object's candidates together, so a module type that
 *   shares a name with a vmlinux type takes part (and may make the relocation ambiguous).
 *
 * The default is libbpf's because CO-RE programs are written and tested against libbpf: with it,
 * tsbpf relocates every object to the values libbpf does, and a module can never make a
 * relocation that works under libbpf fail as ambiguous. Module-only types are found either way.
 */
export type CandidatePolicy = 'vmlinux-first' | 'all';

/**
 * What `target_type_id` yields for a type found in a module.
 * - `'id'` (default, libbpf's behaviour): the type's ID in the module's split BTF (IDs continue
 *   after vmlinux's), without the module's BTF object. Explanations always show the object.
 * - `'poison'` (cilium/ebpf's behaviour): the instruction is poisoned, since the bare ID cannot
 *   say which BTF object it belongs to.
 */
export type ModuleTypeIdPolicy = 'id' | 'poison';

/** Options of a {@link CoreRelocator}. */
export interface CoreOptions {
  /** Which objects' candidates count; default `'vmlinux-first'`. */
  candidates?: CandidatePolicy;
  /** `target_type_id` of a module type; default `'id'`. */
  moduleTypeIds?: ModuleTypeIdPolicy;
}

/** A type in a named BTF object. */
export interface CoreTypeRef {
  /** `'vmlinux'`, a module name, a file name; `'local'` for the program's own BTF. */
  readonly object: string;
  /** The type's ID in that object's BTF. */
  readonly id: number;
  /** The type's name (`''` for an anonymous type). */
  readonly name: string;
  /** The type's kind. */
  readonly kind: TypeKind;
}

/** One candidate a relocation considered. */
export interface CoreCandidate extends CoreTypeRef {
  /** Whether the access matched this candidate. */
  readonly matched: boolean;
  /** The candidate's spec in libbpf's notation (partial when it did not match). */
  readonly spec: string;
  /** The value this candidate gives, when it matched and is not poisoned. */
  readonly value: bigint | undefined;
}

/** The decision for one relocation: plain data, printable and comparable. */
export interface CoreFixup {
  /** Program (function) name. */
  readonly program: string;
  /** The relocation's index, as libbpf numbers it (`relo #N`). */
  readonly relocation: number;
  /** Instruction index within the function as compiled. */
  readonly insn: number;
  /** The relocation kind's name, as libbpf prints it (`byte_off`, `type_exists`...). */
  readonly kind: CoreReloKindName;
  /** The record's `enum bpf_core_relo_kind` value. */
  readonly kindNumber: number;
  /** The record's access string (`'0:1:2'`), as in `.BTF.ext`. */
  readonly access: string;
  /** The local type and the local spec in libbpf's notation. */
  readonly local: CoreTypeRef & { readonly spec: string };
  /** The candidates considered (after narrowing by earlier relocations of the same local type), in order. */
  readonly candidates: readonly CoreCandidate[];
  /** The chosen target: the first matching candidate; `null` when none matched (or none was needed). */
  readonly target: (CoreTypeRef & { readonly spec: string }) | null;
  /** The value the instruction holds as compiled. */
  readonly old: bigint;
  /** The value to patch in; meaningless when {@link poison}. */
  readonly new: bigint;
  /** The instruction is to be replaced by an invalid helper call (may also be decided when patching). */
  readonly poison: boolean;
  /** Whether the instruction must hold {@link old} before it is patched. */
  readonly validate: boolean;
  /** Field sizes for loads and stores (0 when not a plain field). */
  readonly oldSize: number;
  /** The target field's size in bytes (0 when not a plain field). */
  readonly newSize: number;
  /** The field changed size in a way a load or store cannot follow: such an access is poisoned. */
  readonly unsafeSizeChange: boolean;
  /** Why, in words. */
  readonly reason: string;
}

/** A candidate with the object it came from. */
interface Candidate {
  readonly object: CandidateObject;
  readonly type: Type;
}

/** A type and its object, with the spec it was reached by (written out: no spread in a cold process). */
function refWithSpec(object: string, t: Type, spec: string): CoreTypeRef & { readonly spec: string } {
  return { object, id: t.id, name: t.name, kind: t.kind, spec };
}

function describe(c: Candidate): string {
  return `${c.object.name} [${c.type.id}] ${c.type.kind} ${c.type.name}`;
}

/** What a decision knows before its candidates: the relocation and its local side. */
type FixupHead = Pick<CoreFixup, 'program' | 'relocation' | 'insn' | 'kind' | 'kindNumber' | 'access' | 'local'>;

/**
 * One {@link CoreFixup}, written out field by field: every decision gets the same shape (the
 * code that reads fixups meets one), and a cold process spends no object spread on it.
 */
function fixupOf(
  head: FixupHead,
  candidates: readonly CoreCandidate[],
  target: CoreFixup['target'],
  value: RelocationValue,
  poison: boolean,
  reason: string,
): CoreFixup {
  return {
    program: head.program,
    relocation: head.relocation,
    insn: head.insn,
    kind: head.kind,
    kindNumber: head.kindNumber,
    access: head.access,
    local: head.local,
    candidates,
    target,
    old: value.old,
    new: value.new,
    poison,
    validate: value.validate,
    oldSize: value.oldSize,
    newSize: value.newSize,
    unsafeSizeChange: value.unsafeSizeChange,
    reason,
  };
}

/** A candidate as a decision lists it. */
function candidateOf(c: Candidate, matched: boolean, spec: string, value: bigint | undefined): CoreCandidate {
  return { object: c.object.name, id: c.type.id, name: c.type.name, kind: c.type.kind, matched, spec, value };
}

/**
 * Relocates the CO-RE records of one object. Keep one per object and feed it the object's
 * relocations in the order libbpf does (`.BTF.ext` sections in order, records in order): the
 * candidate cache it keeps makes later decisions depend on earlier ones, as in libbpf.
 */
export class CoreRelocator {
  private readonly cache = new Map<number, Candidate[]>();
  private readonly policy: CandidatePolicy;
  private readonly moduleTypeIds: ModuleTypeIdPolicy;

  /**
   * @param local the object's BTF.
   * @param source where target types come from.
   */
  constructor(
    readonly local: Spec,
    readonly source: CandidateSource,
    options: CoreOptions = {},
  ) {
    this.policy = options.candidates ?? 'vmlinux-first';
    this.moduleTypeIds = options.moduleTypeIds ?? 'id';
  }

  /** The candidates of a local type, searched once (libbpf's `bpf_core_find_cands`). */
  private candidatesOf(localType: Type): Candidate[] {
    const cached = this.cache.get(localType.id);
    if (cached) return cached;
    const essential = essentialName(localType.name);
    const kinds: TypeKind[] = localType.kind === 'enum' || localType.kind === 'enum64' ? ['enum', 'enum64'] : [localType.kind];
    // Group by object, in the source's order; within an object, ID order across both enum kinds.
    const byObject = new Map<CandidateObject, Type[]>();
    const hint = { vmlinuxFirst: this.policy === 'vmlinux-first' };
    for (const g of this.source.candidates(essential, kinds.length === 1 ? kinds[0]! : kinds, hint)) {
      const list = byObject.get(g.object);
      if (list) list.push(...g.types);
      else byObject.set(g.object, [...g.types]);
    }
    let groups = [...byObject].map(([object, types]) => ({ object, types: types.sort((a, b) => a.id - b.id) }));
    if (this.policy === 'vmlinux-first') {
      const main = groups.filter((g) => g.object.spec.base === undefined && g.types.length > 0);
      if (main.length > 0) groups = main;
    }
    const list = groups.flatMap((g) => g.types.map((type) => ({ object: g.object, type })));
    this.cache.set(localType.id, list);
    return list;
  }

  /**
   * Decides one relocation (libbpf's `bpf_core_calc_relo_insn`).
   * @param program the function's name.
   * @param record the relocation; `insnOff` relative to the function.
   * @param index the relocation's index (libbpf's `relo #N`: its place among its section's records).
   * @throws {CoreError} naming program, relocation and instruction when the record is malformed,
   * the local type is anonymous, or matching candidates disagree (the error names them and their objects).
   */
  relocate(program: string, record: CoreRelocationRecord, index: number): CoreFixup {
    const insn = record.insnOff / 8;
    const where = { program, relocation: index, insn: Number.isInteger(insn) ? insn : undefined };
    if (!Number.isInteger(insn) || insn < 0)
      throw new CoreError(`instruction offset ${record.insnOff} is not a multiple of 8`, where);
    try {
      return this.decide(program, record, index, insn);
    } catch (err) {
      if (err instanceof CoreError && err.program === undefined) throw new CoreError(err.message, where, { cause: err });
      if (err instanceof CoreError) throw err;
      throw new CoreError(`cannot relocate: ${(err as Error).message}`, where, { cause: err });
    }
  }

  private decide(program: string, record: CoreRelocationRecord, index: number, insn: number): CoreFixup {
    const kind = record.kind;
    const localSpec = parseLocalSpec(this.local, record.typeId, record.access, kind);
    const localType = localSpec.root;
    const base: FixupHead = {
      program,
      relocation: index,
      insn,
      kind: coreReloKindName(kind) as CoreReloKindName,
      kindNumber: kind,
      access: record.access,
      local: refWithSpec('local', localType, formatSpec(localSpec)),
    };
    if (kind === CoreReloKind.TypeIdLocal) {
      const id = BigInt(localType.id);
      const value = { old: id, new: id, validate: false, oldSize: 0, newSize: 0, unsafeSizeChange: false, poison: false };
      return fixupOf(base, [], null, value, false, 'local_type_id: the type ID in the program’s own BTF');
    }
    if (localType.name === '')
      throw new CoreError(
        `${base.kind} relocation on anonymous type [${localType.id}] ${localType.kind}: CO-RE needs a name to find candidates`,
      );

    const cands = this.candidatesOf(localType);
    const considered: CoreCandidate[] = [];
    const kept: Candidate[] = [];
    let chosen: { cand: Candidate; spec: CoreSpec; value: RelocationValue } | undefined;
    for (const cand of cands) {
      const m = matchSpec(localSpec, cand.type);
      if (!m.matched) {
        considered.push(candidateOf(cand, false, formatSpec(m.spec), undefined));
        continue;
      }
      const value = computeValue(kind, localSpec, m.spec, this.local.littleEndian);
      considered.push(candidateOf(cand, true, formatSpec(m.spec), value.poison ? undefined : value.new));
      if (!chosen) {
        chosen = { cand, spec: m.spec, value };
      } else if (m.spec.bitOffset !== chosen.spec.bitOffset) {
        throw new CoreError(
          `candidates disagree on the field's offset: ${describe(chosen.cand)} at bit ${chosen.spec.bitOffset}, ${describe(cand)} at bit ${m.spec.bitOffset}`,
        );
      } else if (value.poison !== chosen.value.poison || value.new !== chosen.value.new) {
        throw new CoreError(
          `candidates disagree: ${describe(chosen.cand)} gives ${chosen.value.poison ? 'no value' : chosen.value.new}, ${describe(cand)} gives ${value.poison ? 'no value' : value.new}`,
        );
      }
      kept.push(cand);
    }
    // Later relocations of this local type consider only the candidates that matched here;
    // when none did, the list stays as it was.
    if (kept.length > 0) this.cache.set(localType.id, kept);

    if (!chosen) {
      const value = computeValue(kind, localSpec, undefined, this.local.littleEndian);
      const what =
        cands.length === 0
          ? `no type named ${essentialName(localType.name)} (or a ___flavour of it) of kind ${localType.kind} in any object`
          : `none of ${cands.length} candidate${cands.length === 1 ? '' : 's'} matches`;
      const reason = value.poison ? `${what}: the instruction is poisoned` : `${what}: ${base.kind} is ${value.new}`;
      return fixupOf(base, considered, null, value, value.poison, reason);
    }

    const { cand, spec, value } = chosen;
    const target = refWithSpec(cand.object.name, cand.type, formatSpec(spec));
    const inModule = cand.object.spec.base !== undefined;
    if (kind === CoreReloKind.TypeIdTarget && inModule && this.moduleTypeIds === 'poison') {
      const reason = `the type is in module ${cand.object.name}, whose type IDs a bare ID cannot name: the instruction is poisoned`;
      return fixupOf(base, considered, target, value, true, reason);
    }
    const agree = kept.length > 1 ? ` (${kept.length} candidates agree)` : '';
    const reason =
      kind === CoreReloKind.TypeIdTarget && inModule
        ? `matched ${describe(cand)}${agree}: its ID in module ${cand.object.name}'s BTF`
        : value.poison
          ? `matched ${describe(cand)}${agree}, which gives no value: the instruction is poisoned`
          : `matched ${describe(cand)}${agree}`;
    return fixupOf(base, considered, target, value, value.poison, reason);
  }
}
