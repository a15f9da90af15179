/**
 * The CO-RE relocations of a whole BPF object, in the order and with the numbering libbpf uses:
 * `.BTF.ext` sections in file order, each section's records in order, `relo #N` being a
 * record's index within its section, the instruction index counted within the function (ELF
 * `STT_FUNC` symbol) that holds it. Relocating them in this order with one
 * {@link CoreRelocator} reproduces libbpf's decisions, candidate narrowing included.
 * @module
 */
import { cloneInstruction, type Instruction } from '../asm/instruction.js';
import type { Spec } from '../btf/spec.js';
import { ObjectError } from '../errors.js';
import { loadObject } from '../obj/load-object.js';
import type { ObjectSpec } from '../obj/object-spec.js';
import { type PatchResult, patchInstruction } from './patch.js';
import type { CoreRelocationRecord } from './relo-kind.js';
import type { CoreFixup, CoreRelocator } from './relocator.js';

/** One function of the object, with its instructions as compiled. */
export interface ObjectFunction {
  /** The function's symbol name. */
  readonly name: string;
  /** The ELF section holding its code (`kprobe/do_unlinkat`, `.text`). */
  readonly section: string;
  /** Byte offset of the function within its section. */
  readonly sectionOffset: number;
  /** A copy of its instructions, one entry per 8-byte slot (`ld_imm64` takes two); relocating patches them in place. */
  readonly instructions: Instruction[];
}

/** One CO-RE record, placed in its function. */
export interface ObjectRelocation {
  /** The ELF section of the function holding the instruction. */
  readonly section: string;
  /** The function holding the instruction. */
  readonly program: string;
  /** Index among its section's records: libbpf's `relo #N`. */
  readonly index: number;
  /** The record with `insnOff` relative to the function. */
  readonly record: CoreRelocationRecord;
}

/** What CO-RE needs of an object: its BTF, its functions, its records in libbpf's order. */
export interface CoreObject {
  /** The object's `.BTF`: the local types records refer to. */
  readonly btf: Spec;
  /** Byte order of the object (and of its instructions). */
  readonly littleEndian: boolean;
  /** Functions by name, with copies of their instructions (relocating patches these). */
  readonly functions: ReadonlyMap<string, ObjectFunction>;
  /** The CO-RE records in libbpf's order: `.BTF.ext` sections in file order, records in order within each. */
  readonly relocations: readonly ObjectRelocation[];
}

/**
 * The CO-RE view of an object read by {@link loadObject}: its BTF, a copy of every function's
 * instructions (entry points and subprograms; the spec's own are left as compiled) and the
 * CO-RE records in libbpf's order (`.BTF.ext` sections in file order, records in order).
 * Records of functions that are not in the object were already skipped by the reader, as
 * libbpf skips those of eliminated weak functions.
 * @throws {ObjectError} when the object has no `.BTF`.
 */
export function coreObjectOf(object: ObjectSpec): CoreObject {
  if (object.btf === undefined) throw new ObjectError("no BTF: CO-RE needs the object's types", { section: '.BTF' });
  const functions = new Map<string, ObjectFunction>();
  const relocations: (ObjectRelocation & { order: number })[] = [];
  for (const p of [...object.programs, ...object.subprograms]) {
    functions.set(p.name, {
      name: p.name,
      section: p.section,
      sectionOffset: p.sectionOffset,
      instructions: p.instructions.map(cloneInstruction),
    });
    for (const r of p.coreRelos) {
      relocations.push({
        section: p.section,
        program: p.name,
        index: r.index,
        record: { insnOff: r.insnOff, typeId: r.typeId, access: r.access, kind: r.kind },
        order: r.sectionOrder,
      });
    }
  }
  relocations.sort((a, b) => a.order - b.order || a.index - b.index);
  return { btf: object.btf, littleEndian: object.littleEndian, functions, relocations };
}

/**
 * Reads the CO-RE view of a BPF ELF object: {@link loadObject}, then {@link coreObjectOf}.
 * @throws as {@link loadObject} does: {@link ElfError} when the object is not ELF,
 * {@link BtfError} when its `.BTF` or `.BTF.ext` is malformed, {@link ObjectError} naming the
 * section or function for anything else libbpf would refuse to open.
 */
export function readCoreObject(bytes: Uint8Array): CoreObject {
  return coreObjectOf(loadObject(bytes));
}

/** One relocation's decision and what applying it to the instruction did. */
export interface AppliedFixup {
  /** The ELF section of the relocated function. */
  readonly section: string;
  /** What the relocator decided. */
  readonly fixup: CoreFixup;
  /** What patching the instruction did (values before and after, or why it was poisoned). */
  readonly patch: PatchResult;
}

/**
 * Relocates every record of `object` with `relocator` (made on `object.btf`), in libbpf's
 * order, and patches the functions' instructions in place.
 * @param onFixup called with each decision as it is made (before the next one), for reports
 * that want the decisions up to a failure.
 * @throws {CoreError} at the first relocation that fails (malformed record, ambiguous
 * candidates, an instruction that does not hold what the relocation expects), as libbpf stops.
 */
export function relocateObject(
  object: CoreObject,
  relocator: CoreRelocator,
  onFixup?: (applied: AppliedFixup) => void,
): AppliedFixup[] {
  const out: AppliedFixup[] = [];
  for (const r of object.relocations) {
    const fixup = relocator.relocate(r.program, r.record, r.index);
    const fn = object.functions.get(r.program)!;
    const patch = patchInstruction(fn.instructions, fixup);
    const applied = { section: r.section, fixup, patch };
    out.push(applied);
    onFixup?.(applied);
  }
  return out;
}
