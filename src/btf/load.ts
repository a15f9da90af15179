/**
 * Opening BTF from bytes whatever holds them: a raw blob, or the `.BTF` section of an ELF file
 * (a module's `.ko`, a clang `-target bpf` object, a vmlinux image).
 * @module
 */
import { parseElf } from '../elf/index.js';
import { ElfError } from '../errors.js';
import { Spec, type SpecOptions } from './spec.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Whether `bytes` start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The `.BTF` section of an ELF file, as a view into `bytes`.
 * @throws {ElfError} if the ELF is malformed or has no `.BTF` section.
 */
export function btfSectionOf(bytes: Uint8Array, name = '.BTF'): Uint8Array {
  const elf = parseElf(bytes);
  const section = elf.section(name);
  if (!section) throw new ElfError(`no ${name} section (was it built with BTF, e.g. clang -g?)`);
  return elf.sectionData(section);
}

/**
 * Opens raw BTF or an ELF file's `.BTF`, as base BTF or, given `base`, as split BTF on it.
 * @throws {BtfError} on malformed BTF. @throws {ElfError} on a malformed ELF or one without `.BTF`.
 */
export function loadSpecFromBytes(bytes: Uint8Array, base?: Spec, options: SpecOptions = {}): Spec {
  return new Spec(isElf(bytes) ? btfSectionOf(bytes) : bytes, base, options);
}
