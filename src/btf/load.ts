/**
 * Opening BTF from bytes whatever holds them: a raw blob, or the `.BTF` section of an ELF file
 * (a module's `.ko`, a clang `-target bpf` object, a vmlinux image).
 * @module
 */
import { parseElf } from '../elf/index.js';
import { isElf } from '../elf/magic.js';
import { ElfError } from '../errors.js';
import { relocateSplit } from './relocate.js';
import { Spec, type SpecOptions, specBytes } from './spec.js';

export { isElf } from '../elf/magic.js';

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
 *
 * An ELF that also carries `.BTF.base` (a module built out of tree) holds split BTF on that
 * distilled base: given `base`, it is relocated onto `base`; without, it is opened on the
 * distilled base.
 * @throws {BtfError} on malformed BTF, or a distilled base that does not match `base`
 * (a `BtfRelocationError` naming the type). @throws {ElfError} on a malformed ELF or one without `.BTF`.
 */
export function loadSpecFromBytes(input: Uint8Array | ArrayBuffer, base?: Spec, options: SpecOptions = {}): Spec {
  const bytes = specBytes(input);
  if (!isElf(bytes)) return new Spec(bytes, base, options);
  const elf = parseElf(bytes);
  const btf = elf.section('.BTF');
  if (!btf) throw new ElfError('no .BTF section (was it built with BTF, e.g. clang -g?)');
  const distilled = elf.section('.BTF.base');
  if (!distilled) return new Spec(elf.sectionData(btf), base, options);
  const distilledBase = new Spec(elf.sectionData(distilled), undefined, {
    name: options.name === undefined ? undefined : `${options.name}(.BTF.base)`,
  });
  const split = new Spec(elf.sectionData(btf), distilledBase, { name: options.name });
  return base ? relocateSplit(split, base) : split;
}
