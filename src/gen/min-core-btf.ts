/**
 * Minimal CO-RE BTF (`bpftool gen min_core_btf`): of a kernel's BTF, only the types and members
 * that BPF objects' CO-RE relocations reach, so that a tool can ship BTF for kernels that publish
 * none. The relocations are decided by `src/core` exactly as loading would decide them (same
 * candidates, same narrowing, same ambiguity errors); what each decision reaches in its target
 * is then kept, on bpftool 7.1's rules:
 *
 * - a field relocation keeps the root type and, step by step along the target's access, each
 *   member walked through and that member's type (typedefs, qualifiers, arrays and function
 *   prototypes it reaches, but no pointee and no other member of a struct);
 * - `type_exists`, `type_size` and `target_type_id` keep the type, following pointers, with
 *   structs and unions emptied of members;
 * - `type_matches` keeps the type with every member, recursively, but stops at structs and
 *   unions behind pointers (kept without members);
 * - enum relocations keep the whole enum.
 *
 * The output lists the kept types in their source order; a struct keeps its size and only its
 * kept members (bit offsets unchanged), a pointer to a type not kept points to void. For base
 * BTF input the bytes equal bpftool 7.1's. Split input (vmlinux and modules) gives a minimized
 * vmlinux and, on it, the minimized split BTF of each module a relocation reaches.
 * @module
 */
import { Kind } from '../btf/kinds.js';
import { writeBlob } from '../btf/marshal.js';
import type { Spec } from '../btf/spec.js';
import { StringSet } from '../btf/string-set.js';
import {
  forEachRef,
  forEachStr,
  infoKflag,
  infoKind,
  infoVlen,
  makeInfo,
  memberBitfieldSize,
  memberBitOffset,
  recordWordsAt,
} from '../btf/wire.js';
import { parseLocalSpec } from '../core/access-spec.js';
import type { CandidateGroup, CandidateObject, CandidateSource } from '../core/candidates.js';
import { matchSpec } from '../core/match.js';
import type { CoreObject } from '../core/object-relocations.js';
import { CoreReloKind, isFieldKind } from '../core/relo-kind.js';
import { type CandidatePolicy, type CoreFixup, CoreRelocator } from '../core/relocator.js';
import { CoreError, GenError } from '../errors.js';

/** One BPF object to minimize for: its CO-RE view and a name for messages (its path). */
export interface MinCoreObject {
  /** How messages name the object (its path). */
  readonly name: string;
  /** Its CO-RE view (BTF, functions, records), as `readCoreObject` of `tsbpf/core` gives it. */
  readonly core: CoreObject;
}

/** Options of {@link minimizeCoreBtf}. */
export interface MinCoreBtfOptions {
  /** Which objects' candidates count (as for loading); default `'vmlinux-first'`, libbpf's rule. */
  candidates?: CandidatePolicy;
}

/** One minimized BTF object. */
export interface MinimizedBtf {
  /** `'vmlinux'` (or the base's name), or a module's name. */
  readonly name: string;
  /** Raw BTF: base BTF for the base, split BTF on the minimized base for a module. */
  readonly bytes: Uint8Array;
  /** Number of types written. */
  readonly types: number;
}

/** What {@link minimizeCoreBtf} produced. */
export interface MinCoreBtfResult {
  /** The minimized base (vmlinux). */
  readonly base: MinimizedBtf;
  /** The minimized split BTF of each module a relocation reached, by module name. */
  readonly modules: readonly MinimizedBtf[];
  /** Relocations decided, over all objects. */
  readonly relocations: number;
  /** The objects that have no CO-RE relocations (they add nothing). */
  readonly withoutRelocations: readonly string[];
}

/** What is kept of one spec's own types. */
class Marks {
  /** Per own type: bit 0 kept; bit 1 walked with pointers followed; bit 2 walked without. */
  readonly types: Uint8Array;
  /** Kept members, by type ID. */
  readonly members = new Map<number, Set<number>>();
  /** Type-match walks done, as `id * 2 + behindPointer`. */
  readonly matchWalks = new Set<number>();
  /** Local indices of the kept types, in the order they were first kept. */
  readonly kept: number[] = [];
  constructor(readonly spec: Spec) {
    this.types = new Uint8Array(spec.count);
  }
  /** Sets `bits` (which include {@link KEPT}) on local index `i`. */
  mark(i: number, bits: number): void {
    if ((this.types[i]! & KEPT) === 0) this.kept.push(i);
    this.types[i]! |= bits;
  }
  get any(): boolean {
    return this.kept.length > 0;
  }
}

/** A record in a spec: its owner, the owner's words, and the record's word index. */
interface Rec {
  readonly marks: Marks;
  readonly w: Uint32Array;
  readonly o: number;
  readonly kind: number;
}

const KEPT = 1;
const WALKED_FOLLOW = 2;
const WALKED_PLAIN = 4;

/** Marking over one base spec and the split specs on it. */
class Marker {
  private readonly marks = new Map<Spec, Marks>();

  constructor(readonly base: Spec) {}

  marksOf(spec: Spec): Marks {
    let m = this.marks.get(spec);
    if (!m) {
      m = new Marks(spec);
      this.marks.set(spec, m);
    }
    return m;
  }

  /** The specs with something kept, base first. */
  specs(): Spec[] {
    return [...this.marks.values()].filter((m) => m.any).map((m) => m.spec);
  }

  rec(spec: Spec, id: number): Rec {
    const owner = spec.specOf(id);
    if (!owner || id === 0) throw new GenError(`type [${id}] does not exist in ${spec.name || 'the target BTF'}`);
    const marks = this.marksOf(owner);
    const o = owner.section.starts[id - owner.firstId]!;
    const w = owner.section.words;
    return { marks, w, o, kind: infoKind(w[o + 1]!) };
  }

  private keep(r: Rec, id: number): void {
    r.marks.mark(id - r.marks.spec.firstId, KEPT);
  }

  keepMember(spec: Spec, id: number, idx: number): void {
    const r = this.rec(spec, id);
    let set = r.marks.members.get(id);
    if (!set) {
      set = new Set();
      r.marks.members.set(id, set);
    }
    set.add(idx);
  }

  /**
   * Keeps type `id` and what it is made of: the target of typedefs and qualifiers, array
   * elements and index, prototype return and parameters, pointees when `follow`; not members.
   * Walks an explicit stack, so chains of any depth are fine.
   */
  keepType(spec: Spec, id: number, follow: boolean): void {
    const todo: [Spec, number][] = [[spec, id]];
    const push = (owner: Spec, ref: number): void => {
      if (ref !== 0) todo.push([owner, ref]);
    };
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      const [from, id] = next;
      if (id === 0) continue;
      const r = this.rec(from, id);
      const i = id - r.marks.spec.firstId;
      const walked = follow ? WALKED_FOLLOW : WALKED_FOLLOW | WALKED_PLAIN;
      if ((r.marks.types[i]! & walked) !== 0) continue;
      r.marks.mark(i, KEPT | (follow ? WALKED_FOLLOW : WALKED_PLAIN));
      const { w, o, kind } = r;
      const owner = r.marks.spec;
      switch (kind) {
        case Kind.Int:
        case Kind.Float:
        case Kind.Enum:
        case Kind.Enum64:
        case Kind.Struct:
        case Kind.Union:
        case Kind.Fwd:
          break;
        case Kind.Ptr:
          if (follow) push(owner, w[o + 2]!);
          break;
        case Kind.Const:
        case Kind.Volatile:
        case Kind.Restrict:
        case Kind.Typedef:
        case Kind.TypeTag:
          push(owner, w[o + 2]!);
          break;
        case Kind.Array:
          push(owner, w[o + 3]!);
          push(owner, w[o + 4]!);
          break;
        case Kind.FuncProto: {
          push(owner, w[o + 2]!);
          const n = infoVlen(w[o + 1]!);
          for (let k = 0; k < n; k++) push(owner, w[o + 4 + 2 * k]!);
          break;
        }
        default:
          throw new GenError(`type [${id}] of kind ${kind} cannot be part of a CO-RE relocation's target`);
      }
    }
  }

  /**
   * Keeps type `id` for `type_matches`: every member, recursively, except behind pointers.
   * Walks an explicit stack, so chains and nesting of any depth are fine.
   */
  keepForMatch(spec: Spec, id: number, behindPointer: boolean): void {
    const todo: [Spec, number, boolean][] = [[spec, id, behindPointer]];
    const push = (owner: Spec, ref: number, behind: boolean): void => {
      if (ref !== 0) todo.push([owner, ref, behind]);
    };
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      const [from, id, behind] = next;
      if (id === 0) continue;
      const r = this.rec(from, id);
      const key = id * 2 + (behind ? 1 : 0);
      if (r.marks.matchWalks.has(key)) continue;
      r.marks.matchWalks.add(key);
      this.keep(r, id);
      const { w, o, kind } = r;
      const owner = r.marks.spec;
      switch (kind) {
        case Kind.Int:
        case Kind.Float:
        case Kind.Enum:
        case Kind.Enum64:
          break;
        case Kind.Struct:
        case Kind.Union: {
          if (behind) break;
          const n = infoVlen(w[o + 1]!);
          for (let k = 0; k < n; k++) {
            this.keepMember(owner, id, k);
            push(owner, w[o + 4 + 3 * k]!, false);
          }
          break;
        }
        case Kind.Const:
        case Kind.Volatile:
        case Kind.Restrict:
        case Kind.Typedef:
        case Kind.TypeTag:
        case Kind.Fwd:
          push(owner, w[o + 2]!, behind);
          break;
        case Kind.Ptr:
          push(owner, w[o + 2]!, true);
          break;
        case Kind.Array:
          push(owner, w[o + 3]!, false);
          push(owner, w[o + 4]!, false);
          break;
        case Kind.FuncProto: {
          push(owner, w[o + 2]!, false);
          const n = infoVlen(w[o + 1]!);
          for (let k = 0; k < n; k++) push(owner, w[o + 4 + 2 * k]!, false);
          break;
        }
        default:
          throw new GenError(`type [${id}] of kind ${kind} cannot be part of a CO-RE relocation's target`);
      }
    }
  }

  /**
   * Keeps what a field access reaches: the root, then for each step of the target's raw access
   * after the first, the member walked through and its type (arrays step to their element).
   */
  keepField(spec: Spec, rootId: number, raw: readonly number[]): void {
    this.keepType(spec, rootId, false);
    let id = rootId;
    for (let i = 1; i < raw.length; i++) {
      let r = this.rec(spec, id);
      for (let depth = 0; isModOrTypedef(r.kind); depth++) {
        if (depth > 256) throw new GenError(`type [${rootId}]: typedef/qualifier chain too long`);
        id = r.w[r.o + 2]!;
        r = this.rec(spec, id);
      }
      if (r.kind === Kind.Struct || r.kind === Kind.Union) {
        const idx = raw[i]!;
        if (idx >= infoVlen(r.w[r.o + 1]!)) throw new GenError(`type [${id}] has no member ${idx}`);
        this.keepMember(spec, id, idx);
        id = r.w[r.o + 4 + 3 * idx]!;
        this.keepType(spec, id, false);
      } else if (r.kind === Kind.Array) {
        id = r.w[r.o + 3]!;
      } else {
        throw new GenError(`type [${id}] of kind ${r.kind} has no members or elements to step into`);
      }
    }
  }
}

function isModOrTypedef(kind: number): boolean {
  return (
    kind === Kind.Typedef || kind === Kind.Const || kind === Kind.Volatile || kind === Kind.Restrict || kind === Kind.TypeTag
  );
}

/** Wraps `source` to learn which spec each object name stands for. */
function recordingSource(source: CandidateSource, seen: Map<string, CandidateObject>): CandidateSource {
  return {
    candidates(essential, kind, hint): readonly CandidateGroup[] {
      const groups = source.candidates(essential, kind, hint);
      for (const g of groups) {
        const known = seen.get(g.object.name);
        if (known !== undefined && known.spec !== g.object.spec) {
          throw new GenError(`two BTF objects are named '${g.object.name}': relocations could not say which one they reach`);
        }
        seen.set(g.object.name, g.object);
      }
      return groups;
    },
  };
}

/** Keeps what one decision's target reaches. */
function keepTarget(
  marker: Marker,
  object: CoreObject,
  fixup: CoreFixup,
  target: Spec,
  kind: number,
  access: string,
  typeId: number,
): void {
  const id = fixup.target!.id;
  switch (kind) {
    case CoreReloKind.TypeIdTarget:
    case CoreReloKind.TypeExists:
    case CoreReloKind.TypeSize:
      marker.keepType(target, id, true);
      return;
    case CoreReloKind.TypeMatches:
      marker.keepForMatch(target, id, false);
      return;
    case CoreReloKind.EnumvalExists:
    case CoreReloKind.EnumvalValue:
      marker.keepType(target, id, false);
      return;
    default: {
      if (!isFieldKind(kind)) return;
      // The decision names its target; the target's raw access (anonymous members included)
      // is the same match src/core made, redone on that one candidate.
      const local = parseLocalSpec(object.btf, typeId, access, kind);
      const m = matchSpec(local, target.mustTypeById(id));
      if (!m.matched) throw new GenError(`relocation's target [${id}] does not match on a second look`);
      marker.keepField(target, id, m.spec.raw);
    }
  }
}

/** Writes the kept types of `marks` (own types, in ID order); `baseIds` maps the base's IDs. */
function writeKept(
  marks: Marks,
  firstId: number,
  strings: StringSet,
  baseIds: Int32Array | undefined,
): { words: Uint32Array; ids: Int32Array; count: number } {
  const spec = marks.spec;
  const src = spec.section.words;
  const starts = spec.section.starts;
  const ids = new Int32Array(spec.count);
  let out = new Uint32Array(1024);
  let used = 0;
  const grow = (n: number) => {
    if (used + n <= out.length) return;
    let len = out.length * 2;
    while (len < used + n) len *= 2;
    const next = new Uint32Array(len);
    next.set(out.subarray(0, used));
    out = next;
  };
  const str = (off: number): number => (off === 0 ? 0 : strings.add(spec.strings.lookup(off) ?? ''));
  let next = firstId;
  const written: number[] = [];
  // The kept types in ID order, without a pass over every type of vmlinux.
  for (const i of [...marks.kept].sort((a, b) => a - b)) {
    const id = spec.firstId + i;
    const o = starts[i]!;
    const info = src[o + 1]!;
    const kind = infoKind(info);
    const at = used;
    if (kind === Kind.Struct || kind === Kind.Union) {
      // As libbpf's btf__add_struct then btf__add_field for each kept member: the name first,
      // then the members' names; the kind flag set only when a kept member is a bitfield.
      const kept = marks.members.get(id);
      const vlen = infoVlen(info);
      const kflag = infoKflag(info);
      grow(3 + 3 * (kept?.size ?? 0));
      out[used] = str(src[o]!);
      out[used + 2] = src[o + 2]!;
      let n = 0;
      let bitfields = false;
      for (let k = 0; k < vlen; k++) {
        if (!kept?.has(k)) continue;
        const m = o + 3 + 3 * k;
        const bitOffset = memberBitOffset(src[m + 2]!, kflag);
        const size = memberBitfieldSize(src[m + 2]!, kflag);
        const bitfield = size !== 0 || bitOffset % 8 !== 0;
        if (bitfield && (size === 0 || bitOffset > 0xffffff)) {
          throw new GenError(`type [${id}] member ${k}: bit offset ${bitOffset} cannot be written as a member of BTF built anew`);
        }
        bitfields ||= bitfield;
        const p = used + 3 + 3 * n;
        out[p] = str(src[m]!);
        out[p + 1] = src[m + 1]!;
        out[p + 2] = (bitOffset | (size << 24)) >>> 0;
        n++;
      }
      out[used + 1] = makeInfo(kind, n, bitfields);
      used += 3 + 3 * n;
    } else {
      const len = recordWordsAt(src, o);
      grow(len);
      out.set(src.subarray(o, o + len), used);
      forEachStr(out, used, (pos) => {
        out[pos] = str(out[pos]!);
      });
      used += len;
    }
    written.push(at);
    ids[i] = next++;
  }
  const map = (ref: number): number => {
    if (ref === 0) return 0;
    if (ref >= spec.firstId) return ids[ref - spec.firstId] ?? 0;
    return baseIds ? (baseIds[ref - 1] ?? 0) : 0;
  };
  for (const at of written) {
    forEachRef(out, at, (pos) => {
      out[pos] = map(out[pos]!);
    });
  }
  return { words: out.slice(0, used), ids, count: written.length };
}

/**
 * Decides every CO-RE relocation of `objects` against the BTF `source` offers (libbpf's rules,
 * one candidate cache per object, as loading does) and keeps, of `base` and the split specs on
 * it, only what the decisions reach (see the module comment). `source` must offer `base` and
 * modules on it; for bpftool's behaviour, a source over `base` alone.
 * @throws {GenError} when no object has CO-RE relocations, or no relocation reaches a type
 * (objects without relocations beside others that have some are listed in the result).
 * @throws {CoreError} naming object, program, relocation and instruction when a relocation
 * fails as it would fail loading (ambiguous candidates, a malformed record).
 */
export function minimizeCoreBtf(
  base: Spec,
  objects: readonly MinCoreObject[],
  source: CandidateSource,
  options: MinCoreBtfOptions = {},
): MinCoreBtfResult {
  if (base.base !== undefined) throw new GenError(`${base.name || 'the target'} is split BTF, not a kernel's base BTF`);
  const seen = new Map<string, CandidateObject>();
  const recording = recordingSource(source, seen);
  const marker = new Marker(base);
  marker.marksOf(base);
  let relocations = 0;
  const withoutRelocations = objects.filter((o) => o.core.relocations.length === 0).map((o) => o.name);
  if (withoutRelocations.length === objects.length) {
    throw new GenError(`${withoutRelocations.join(', ')}: no CO-RE relocations, so no type to keep`);
  }
  for (const { name, core } of objects) {
    const relocator = new CoreRelocator(core.btf, recording, { candidates: options.candidates ?? 'vmlinux-first' });
    for (const r of core.relocations) {
      try {
        const fixup = relocator.relocate(r.program, r.record, r.index);
        relocations++;
        if (fixup.target === null || r.record.kind === CoreReloKind.TypeIdLocal) continue;
        const target = seen.get(fixup.target.object)?.spec;
        if (!target) throw new GenError(`target object ${fixup.target.object} was never offered as a candidate`);
        keepTarget(marker, core, fixup, target, r.record.kind, r.record.access, r.record.typeId);
      } catch (err) {
        if (err instanceof CoreError && err.program !== undefined)
          throw new CoreError(`${name}: ${err.message}`, {}, { cause: err });
        const where = { program: r.program, relocation: r.index, insn: r.record.insnOff / 8 };
        if (err instanceof GenError || err instanceof CoreError)
          throw new GenError(
            `${name}: program ${where.program}: relocation #${where.relocation}: insn ${where.insn}: ${err.message}`,
            {
              cause: err,
            },
          );
        throw err;
      }
    }
  }
  const specs = marker.specs();
  if (specs.length === 0)
    throw new GenError(`no relocation of ${objects.map((o) => o.name).join(', ')} reaches a type of the target BTF`);
  for (const s of specs) {
    if (s !== base && s.base !== base)
      throw new GenError(`${s.name}: split BTF on another base than ${base.name || 'the target'}`);
  }
  const baseStrings = new StringSet();
  const b = writeKept(marker.marksOf(base), 1, baseStrings, undefined);
  const stringBytes = baseStrings.bytes();
  const baseOut: MinimizedBtf = {
    name: base.name || 'vmlinux',
    bytes: writeBlob(b.words, stringBytes, base.littleEndian),
    types: b.count,
  };
  const modules: MinimizedBtf[] = [];
  for (const spec of specs.filter((s) => s !== base).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    const name = [...seen.values()].find((o) => o.spec === spec)?.name ?? spec.name;
    const strings = new StringSet(stringBytes);
    const m = writeKept(marker.marksOf(spec), b.count + 1, strings, b.ids);
    modules.push({ name, bytes: writeBlob(m.words, strings.bytes(), spec.littleEndian), types: m.count });
  }
  return { base: baseOut, modules, relocations, withoutRelocations };
}
