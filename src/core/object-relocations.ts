/**
 * The CO-RE relocations of a whole BPF object, in the order and with the numbering libbpf uses:
 * `.BTF.ext` sections in file order, each section's records in order, `relo #N` being a
 * record's index within its section, the instruction index counted within the function (ELF
 * `STT_FUNC` symbol) that holds it. Relocating them in this order with one
 * {@link CoreRelocator} reproduces libbpf's decisions, candidate narrowing included.
 * @module
 */
import { decodeInstructions, type Instruction } from '../asm/instruction.js';
import { parseBtfExt } from '../btf/ext/parse.js';
import { loadSpecFromBytes } from '../btf/load.js';
import type { Spec } from '../btf/spec.js';
import { parseElf } from '../elf/file.js';
import { readSymbols } from '../elf/symbols.js';
import { CoreError } from '../errors.js';
import { type PatchResult, patchInstruction } from './patch.js';
import type { CoreRelocationRecord } from './relo-kind.js';
import type { CoreFixup, CoreRelocator } from './relocator.js';

const STT_FUNC = 2;

/** One function of the object, with its instructions as compiled. */
export interface ObjectFunction {
  readonly name: string;
  readonly section: string;
  /** Byte offset of the function within its section. */
  readonly sectionOffset: number;
  readonly instructions: Instruction[];
}

/** One CO-RE record, placed in its function. */
export interface ObjectRelocation {
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
  readonly btf: Spec;
  readonly littleEndian: boolean;
  /** Functions by name. */
  readonly functions: ReadonlyMap<string, ObjectFunction>;
  readonly relocations: readonly ObjectRelocation[];
}

/**
 * Reads the CO-RE view of a BPF ELF object: its `.BTF`, its `.BTF.ext` CO-RE records and the
 * functions they fall in. Records outside any function are skipped, as libbpf skips those of
 * eliminated weak functions.
 * @throws {ElfError} when the object is not ELF or has no `.BTF`. @throws {BtfError} when its
 * `.BTF` or `.BTF.ext` is malformed. @throws {CoreError} naming section and relocation for a
 * record whose offset is not a multiple of 8, or a function that is not whole instructions.
 */
export function readCoreObject(bytes: Uint8Array): CoreObject {
  const elf = parseElf(bytes);
  const btf = loadSpecFromBytes(bytes);
  // The kernel's checks, once: the engine then walks the local types without guarding each step.
  btf.validate();
  const functions = new Map<string, ObjectFunction>();
  const bySection = new Map<string, ObjectFunction[]>();
  for (const sym of readSymbols(elf)) {
    if (sym.type !== STT_FUNC || sym.name === '') continue;
    const section = elf.sectionAt(sym.shndx);
    if (!section) continue;
    const start = Number(sym.value);
    const data = elf.sectionData(section);
    if (start % 8 !== 0 || sym.size % 8 !== 0 || start + sym.size > data.length) {
      throw new CoreError(`function ${sym.name} lies outside section ${section.name} or is not made of whole instructions`);
    }
    const fn: ObjectFunction = {
      name: sym.name,
      section: section.name,
      sectionOffset: start,
      instructions: decodeInstructions(data.subarray(start, start + sym.size), elf.littleEndian),
    };
    functions.set(sym.name, fn);
    const list = bySection.get(section.name);
    if (list) list.push(fn);
    else bySection.set(section.name, [fn]);
  }

  const relocations: ObjectRelocation[] = [];
  const extSection = elf.section('.BTF.ext');
  if (extSection) {
    const ext = parseBtfExt(elf.sectionData(extSection), btf.strings);
    for (const [section, records] of ext.coreRelos) {
      const fns = bySection.get(section) ?? [];
      records.forEach((r, index) => {
        if (r.insnOff % 8 !== 0) {
          throw new CoreError(`section ${section}: instruction offset ${r.insnOff} is not a multiple of 8`, {
            relocation: index,
          });
        }
        const fn = fns.find((f) => r.insnOff >= f.sectionOffset && r.insnOff < f.sectionOffset + f.instructions.length * 8);
        if (!fn) return;
        relocations.push({
          section,
          program: fn.name,
          index,
          record: { insnOff: r.insnOff - fn.sectionOffset, typeId: r.typeId, access: r.access, kind: r.kind },
        });
      });
    }
  }
  return { btf, littleEndian: elf.littleEndian, functions, relocations };
}

/** One relocation's decision and what applying it to the instruction did. */
export interface AppliedFixup {
  readonly section: string;
  readonly fixup: CoreFixup;
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
