/**
 * A program written with the assembler, as a {@link ProgramSpec} the loader takes like one read
 * from an object: type, attach type and target from a section name in libbpf's conventions.
 *
 * @module
 */

import type { Assembled } from '../asm/assembler.js';
import { ObjectError } from '../errors.js';
import type { ProgramSpec } from './object-spec.js';
import { matchSection } from './section-defs.js';
import type { AttachType } from './types.js';

/**
 * Wraps assembled instructions as a program.
 *
 * @param section - a section name saying what the program is (`fentry/veth:veth_open`, `xdp`)
 * @throws {@link ObjectError} if libbpf's conventions give the section name no program type.
 */
export function assembledProgram(assembled: Assembled, name: string, section: string): ProgramSpec {
  const match = matchSection(section);
  if (match === undefined) throw new ObjectError('section name gives no program type', { section, program: name });
  return {
    name,
    section,
    autoload: true,
    subprogram: false,
    type: match.kind.type,
    expectedAttachType: match.kind.expectedAttachType as AttachType,
    sectionKind: match.kind,
    flags: match.kind.flags,
    attachTo: match.attachTo,
    instructions: assembled.instructions.map((i) => ({ ...i })),
    sectionOffset: 0,
    global: true,
    weak: false,
    hidden: false,
    funcInfo: [],
    lineInfo: [],
    coreRelos: [],
    references: assembled.references.map((r) => ({ ...r })),
  };
}
