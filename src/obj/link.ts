/**
 * The pure linker: one program with every subprogram it calls (transitively) appended, as libbpf
 * lays them out: the program first, then each subprogram at its first use, depth first (a
 * subprogram's own callees follow it before the caller's next callee). Calls and callback
 * addresses get their final pc-relative offsets, func_info, line_info and CO-RE relocations move
 * with their functions, and the references left for the loader (maps, global data, kfuncs,
 * ksyms) are renumbered to final instruction indices.
 *
 * @module
 */

import { cloneInstruction, type Instruction } from '../asm/instruction.js';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '../asm/opcodes.js';
import { ObjectError } from '../errors.js';
import type { ObjectSpec, ProgramCoreRelo, ProgramFuncInfo, ProgramLineInfo, ProgramSpec, Reference } from './object-spec.js';

/** Where one function lies in a linked program. */
export interface LinkedFunction {
  /** The function's name. */
  name: string;
  /** First instruction index. */
  start: number;
  /** Number of instruction slots. */
  length: number;
}

/** A program ready for the loader (after CO-RE, which runs per function before linking). */
export interface LinkedProgram {
  /** The entry program's name. */
  name: string;
  /** The program followed by its subprograms, calls and function addresses resolved to relative offsets. */
  instructions: Instruction[];
  /** Every function's func_info records, at final instruction indices. */
  funcInfo: ProgramFuncInfo[];
  /** Every function's line_info records, at final instruction indices. */
  lineInfo: ProgramLineInfo[];
  /** Every function's CO-RE records, at final instruction indices (`insnOff` in bytes from the program start). */
  coreRelos: ProgramCoreRelo[];
  /** References left to the loader: `map`, `map-value`, `kfunc`, `ksym`, at final indices. */
  references: Reference[];
  /** Functions in layout order, the program first. */
  layout: LinkedFunction[];
}

/**
 * Links `program` with the subprograms it calls.
 *
 * @param object - where callees are looked up: its subprograms, then programs of the same section
 * @param functions - replacement function bodies by name (e.g. after CO-RE relocation); defaults
 *   to the object's
 * @throws {@link ObjectError} naming the program and instruction for a call of a function the
 *   object does not have, or a reference outside its function.
 */
export function linkProgram(
  object: Pick<ObjectSpec, 'programs' | 'subprograms'>,
  program: ProgramSpec,
  functions?: ReadonlyMap<string, ProgramSpec>,
): LinkedProgram {
  const lookup = (caller: ProgramSpec, name: string): ProgramSpec | undefined =>
    functions?.get(name) ??
    object.subprograms.find((p) => p.name === name) ??
    object.programs.find((p) => p.name === name && p.section === caller.section);

  const main = functions?.get(program.name) ?? program;
  const out: LinkedProgram = {
    name: main.name,
    instructions: [],
    funcInfo: [],
    lineInfo: [],
    coreRelos: [],
    references: [],
    layout: [],
  };
  const placed = new Map<string, number>();

  const append = (fn: ProgramSpec): number => {
    const start = out.instructions.length;
    placed.set(fn.name, start);
    out.layout.push({ name: fn.name, start, length: fn.instructions.length });
    for (const ins of fn.instructions) out.instructions.push(cloneInstruction(ins));
    for (const f of fn.funcInfo) out.funcInfo.push({ ...f, insn: f.insn + start });
    for (const l of fn.lineInfo) out.lineInfo.push({ ...l, insn: l.insn + start });
    for (const c of fn.coreRelos) out.coreRelos.push({ ...c, insn: c.insn + start, insnOff: (c.insn + start) * 8 });
    return start;
  };

  const relocate = (fn: ProgramSpec, base: number): void => {
    const refs = [...fn.references].sort((a, b) => a.insn - b.insn);
    for (const ref of refs) {
      const where = { section: fn.section, program: fn.name, insn: ref.insn };
      if (ref.insn < 0 || ref.insn >= fn.instructions.length) throw new ObjectError('reference outside its function', where);
      const at = base + ref.insn;
      if (ref.kind !== 'call' && ref.kind !== 'func') {
        out.references.push({ ...ref, insn: at });
        continue;
      }
      let start = placed.get(ref.target);
      if (start === undefined) {
        const callee = lookup(fn, ref.target);
        if (callee === undefined) throw new ObjectError(`calls '${ref.target}', which the object does not define`, where);
        start = append(callee);
        relocate(callee, start);
      }
      const ins = out.instructions[at]!;
      ins.imm = start - at - 1;
      if (ref.kind === 'call') {
        ins.src = BPF_PSEUDO_CALL;
      } else {
        const hi = out.instructions[at + 1];
        if (hi === undefined) throw new ObjectError('ld_imm64 without its second slot', where);
        ins.src = BPF_PSEUDO_FUNC;
        hi.imm = 0;
      }
    }
  };

  append(main);
  relocate(main, 0);
  out.references.sort((a, b) => a.insn - b.insn);
  return out;
}
