/**
 * Programs and subprograms: every function symbol of a code section, its instructions, its
 * `.BTF.ext` records and its relocations, classified as libbpf classifies them.
 *
 * @module
 */

import { decodeInstructions, type Instruction } from '../asm/instruction.js';
import { BPF_PSEUDO_CALL, isCall, isLdImm64, isPseudoCall } from '../asm/opcodes.js';
import type { BtfExt } from '../btf/ext/parse.js';
import {
  type ElfSection,
  type ElfSymbol,
  readRelocations,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_REL,
  SHT_RELA,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_SECTION,
  STV_HIDDEN,
  STV_INTERNAL,
} from '../elf/index.js';
import { ObjectError, TsbpfError } from '../errors.js';
import { type ElfObject, isExternSymbol } from './elf-object.js';
import type { ExternSpec, MapSpec, ProgramSpec, Reference } from './object-spec.js';
import { matchSection } from './section-defs.js';
import { type AttachType, ProgramType } from './types.js';

/** Where each map is defined, to resolve `ld_imm64` relocations against map symbols. */
export interface MapPlaces {
  /** Map defined at (section index, offset). */
  byPlace(section: number, offset: number): MapSpec | undefined;
  /** Global-data map of a section. */
  bySection(section: number): MapSpec | undefined;
}

/**
 * Every function of every code section, with references resolved to names.
 *
 * @throws {@link ObjectError} naming section, program and instruction for a function out of
 *   its section, a static program, a relocation of the wrong instruction, against a missing
 *   symbol, an unknown map, or a call target that is no function.
 */
export function readPrograms(
  obj: ElfObject,
  ext: BtfExt | undefined,
  maps: MapPlaces,
  externs: readonly ExternSpec[],
): ProgramSpec[] {
  const programs: ProgramSpec[] = [];
  const bySection = new Map<number, ProgramSpec[]>();

  for (const section of obj.code) {
    const insns = decodeSection(obj, section);
    const funcs = obj.symbols
      .filter((s) => s.type === STT_FUNC && s.shndx === section.index)
      .sort((a, b) => Number(a.value - b.value));
    const isText = section === obj.text;
    // `SEC("?name")` is `SEC("name")` with the program not loaded by default.
    const optional = section.name.startsWith('?');
    const sectionName = optional ? section.name.slice(1) : section.name;
    const match = isText ? undefined : matchSection(sectionName);
    const list: ProgramSpec[] = [];
    for (const sym of funcs) {
      const where = { section: section.name, program: sym.name };
      const off = Number(sym.value);
      if (off % 8 !== 0 || sym.size % 8 !== 0 || sym.size === 0 || off + sym.size > section.size) {
        throw new ObjectError(`function at ${off} of ${sym.size} bytes does not fit the section (${section.size} bytes)`, where);
      }
      if (!isText && sym.bind === STB_LOCAL) throw new ObjectError('a program must not be static', where);
      const hidden = sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL;
      const spec: ProgramSpec = {
        name: sym.name,
        section: sectionName,
        autoload: !optional,
        subprogram: isText,
        type: match?.kind.type ?? ProgramType.UNSPEC,
        expectedAttachType: match?.kind.expectedAttachType ?? (0 as AttachType),
        sectionKind: match?.kind,
        flags: match?.kind.flags ?? 0,
        attachTo: match?.attachTo ?? '',
        instructions: insns.slice(off / 8, (off + sym.size) / 8),
        sectionOffset: off,
        global: sym.bind === STB_GLOBAL || sym.bind === STB_WEAK,
        weak: sym.bind === STB_WEAK,
        hidden,
        funcInfo: [],
        lineInfo: [],
        coreRelos: [],
        references: [],
      };
      if (list.length > 0) {
        const prev = list[list.length - 1]!;
        if (prev.sectionOffset + prev.instructions.length * 8 > off) {
          throw new ObjectError(`function overlaps '${prev.name}'`, where);
        }
      }
      list.push(spec);
    }
    bySection.set(section.index, list);
    programs.push(...list);
    if (ext !== undefined) attachExt(section.name, list, ext);
  }

  const funcAt = (section: number, off: number) => bySection.get(section)?.find((p) => p.sectionOffset === off);
  const owner = (section: number, off: number) =>
    bySection.get(section)?.find((p) => off >= p.sectionOffset && off < p.sectionOffset + p.instructions.length * 8);
  const externByName = new Map(externs.map((e) => [e.name, e]));

  for (const section of obj.code) {
    const rels = obj.elf.sections.filter((s) => (s.type === SHT_REL || s.type === SHT_RELA) && s.info === section.index);
    for (const rel of rels) {
      for (const r of readRelocations(obj.elf, rel)) {
        const at = Number(r.offset);
        if (at % 8 !== 0 || at >= section.size) {
          throw new ObjectError(`relocation at ${at} is out of the section or unaligned`, { section: section.name, offset: at });
        }
        const prog = owner(section.index, at);
        if (prog === undefined) continue; // outside every function: libbpf skips these too
        const insn = (at - prog.sectionOffset) / 8;
        const where = { section: section.name, program: prog.name, insn };
        const sym = obj.symbols[r.symbol];
        if (sym === undefined) throw new ObjectError(`relocation names symbol ${r.symbol}, which does not exist`, where);
        prog.references.push(classify(obj, prog, insn, sym, maps, externByName, funcAt, where));
      }
    }
    // Calls within the section need no relocation: their imm is already pc-relative.
    for (const prog of bySection.get(section.index) ?? []) {
      const relocated = new Set(prog.references.map((r) => r.insn));
      prog.instructions.forEach((ins, i) => {
        if (!isPseudoCall(ins) || relocated.has(i)) return;
        const target = prog.sectionOffset + (i + ins.imm + 1) * 8;
        const callee = funcAt(section.index, target);
        if (callee === undefined) {
          throw new ObjectError(`call to offset ${target}, where no function starts`, {
            section: section.name,
            program: prog.name,
            insn: i,
          });
        }
        prog.references.push({ kind: 'call', insn: i, target: callee.name });
      });
      prog.references.sort((a, b) => a.insn - b.insn);
    }
  }
  return programs;
}

function decodeSection(obj: ElfObject, section: ElfSection): Instruction[] {
  try {
    return decodeInstructions(obj.elf.sectionData(section), obj.elf.littleEndian);
  } catch (err) {
    if (err instanceof ObjectError || !(err instanceof TsbpfError)) throw err;
    throw new ObjectError('code cannot be decoded', { section: section.name }, { cause: err });
  }
}

function classify(
  obj: ElfObject,
  prog: ProgramSpec,
  insn: number,
  sym: ElfSymbol,
  maps: MapPlaces,
  externs: ReadonlyMap<string, ExternSpec>,
  funcAt: (section: number, off: number) => ProgramSpec | undefined,
  where: { section: string; program: string; insn: number },
): Reference {
  const ins = prog.instructions[insn]!;
  const symName = sym.type === STT_SECTION && sym.name === '' ? (obj.elf.sections[sym.shndx]?.name ?? '') : sym.name;
  const call = isCall(ins);
  if (!call && !isLdImm64(ins)) {
    throw new ObjectError(
      `relocation against '${symName}' on opcode 0x${ins.code.toString(16)}, neither a call nor ld_imm64`,
      where,
    );
  }
  if (!call && prog.instructions[insn + 1] === undefined) throw new ObjectError('ld_imm64 without its second slot', where);

  if (isExternSymbol(sym)) {
    const ext = externs.get(sym.name);
    if (ext === undefined) throw new ObjectError(`relocation against extern '${sym.name}' with no extern declaration`, where);
    if (call) {
      if (!ext.func) throw new ObjectError(`call of extern '${sym.name}', which is not a function`, where);
      return { kind: 'kfunc', insn, extern: ext.name };
    }
    if (ext.kind === 'kconfig') return { kind: 'map-value', insn, map: '.kconfig', offset: ext.offset, extern: ext.name };
    return { kind: 'ksym', insn, extern: ext.name };
  }
  if (sym.shndx === SHN_UNDEF || sym.shndx >= SHN_LORESERVE) {
    throw new ObjectError(
      `relocation against '${symName}', which is undefined or in a special section (forgot to initialize a global?)`,
      where,
    );
  }
  const target = obj.elf.sections[sym.shndx];
  if (target === undefined)
    throw new ObjectError(`relocation against '${symName}' in section ${sym.shndx}, which does not exist`, where);
  const targetIsCode = obj.code.includes(target);

  if (call) {
    if (ins.src !== BPF_PSEUDO_CALL)
      throw new ObjectError(`relocated call against '${symName}' is not a bpf-to-bpf call (src ${ins.src})`, where);
    if (!targetIsCode) throw new ObjectError(`call against '${symName}' in section ${target.name}, which holds no code`, where);
    const off = Number(sym.value) + (ins.imm + 1) * 8;
    const callee = funcAt(target.index, off);
    if (callee === undefined) throw new ObjectError(`call against '${symName}' + ${off}, where no function starts`, where);
    return { kind: 'call', insn, target: callee.name };
  }
  if (targetIsCode) {
    const off = Number(sym.value) + ins.imm;
    const callee = off % 8 === 0 ? funcAt(target.index, off) : undefined;
    if (callee === undefined) throw new ObjectError(`address of '${symName}' + ${ins.imm}, where no function starts`, where);
    return { kind: 'func', insn, target: callee.name };
  }
  if (target === obj.btfMaps || target === obj.legacyMaps) {
    const map = maps.byPlace(target.index, Number(sym.value));
    if (map === undefined)
      throw new ObjectError(`no map defined at offset ${sym.value} of ${target.name} for '${symName}'`, where);
    return { kind: 'map', insn, map: map.name };
  }
  const data = maps.bySection(target.index);
  if (data !== undefined) {
    const offset = Number(sym.value) + ins.imm;
    if (offset < 0 || offset >= data.valueSize) {
      throw new ObjectError(
        `global data reference to '${symName}' at offset ${offset} is outside ${target.name} (${data.valueSize} bytes)`,
        where,
      );
    }
    return { kind: 'map-value', insn, map: data.name, offset };
  }
  throw new ObjectError(`relocation against '${symName}' in section ${target.name}, which holds no maps, data or code`, where);
}

/** Hands each function its func_info, line_info and CO-RE relocations, offsets made function-relative. */
function attachExt(section: string, list: ProgramSpec[], ext: BtfExt): void {
  const find = (off: number, what: string): ProgramSpec => {
    if (off % 8 !== 0) throw new ObjectError(`${what} at byte ${off} is not on an instruction`, { section });
    const p = list.find((f) => off >= f.sectionOffset && off < f.sectionOffset + f.instructions.length * 8);
    if (p === undefined) throw new ObjectError(`${what} at byte ${off} is in no function`, { section });
    return p;
  };
  for (const r of ext.funcInfo.get(section) ?? []) {
    const p = find(r.insnOff, 'func_info');
    p.funcInfo.push({ insn: (r.insnOff - p.sectionOffset) / 8, typeId: r.typeId });
  }
  for (const r of ext.lineInfo.get(section) ?? []) {
    const p = find(r.insnOff, 'line_info');
    p.lineInfo.push({ ...r, insn: (r.insnOff - p.sectionOffset) / 8 });
  }
  const sectionOrder = [...ext.coreRelos.keys()].indexOf(section);
  (ext.coreRelos.get(section) ?? []).forEach((r, index) => {
    if (r.insnOff % 8 !== 0) throw new ObjectError(`CO-RE relocation at byte ${r.insnOff} is not on an instruction`, { section });
    const p = list.find((f) => r.insnOff >= f.sectionOffset && r.insnOff < f.sectionOffset + f.instructions.length * 8);
    // libbpf skips the records of functions that are not there (weak ones eliminated at link time).
    if (p === undefined) return;
    const off = r.insnOff - p.sectionOffset;
    p.coreRelos.push({ ...r, insnOff: off, insn: off / 8, index, sectionOrder });
  });
}
