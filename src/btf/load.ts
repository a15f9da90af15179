/**
 * Opening BTF from bytes whatever holds them: a raw blob, or the `.BTF` section of an ELF file
 * (a module's `.ko`, a clang `-target bpf` object, a vmlinux image).
 * @module
 */
import { parseElf } from '../elf/index.js';
import { isElf } from '../elf/magic.js';
import { BtfError, ElfError } from '../errors.js';
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

/** Options of {@link openSpec} (and of `openSpecFile`, which adds a base given by path). */
export interface OpenSpecOptions extends SpecOptions {
  /**
   * Base BTF for split input (a kernel module's BTF on vmlinux): type IDs continue after the
   * base's, string offsets after its strings. Omit it for base BTF (vmlinux, a BPF object).
   */
  base?: Spec;
}

/**
 * Opens BTF from bytes: raw BTF (`/sys/kernel/btf/*`, `bpftool btf dump ... format raw`) or
 * an ELF file whose `.BTF` section holds it (a module's `.ko`, a clang `-target bpf -g` object,
 * a vmlinux image), as base BTF or, given `options.base`, as split BTF on it. This is the one
 * way to open BTF held in memory; `openSpecFile` opens a path the same way.
 *
 * An ELF that also carries `.BTF.base` (a module built out of tree, with a distilled base)
 * holds split BTF on that distilled base: given `base`, it is relocated onto `base` (type IDs
 * then are `base`'s, as the kernel does on load); without, it is opened on the distilled base.
 *
 * The bytes are not copied: they must not change while the spec is in use (copy them first,
 * with `bytes.slice()`, if the buffer will be reused). Types are decoded lazily, on lookup.
 * @throws {BtfError} on malformed BTF, or a distilled base that does not match `base`
 * (a `BtfRelocationError` naming the type). @throws {ElfError} on a malformed ELF or one
 * without `.BTF`.
 */
export function openSpec(input: Uint8Array | ArrayBuffer, options: OpenSpecOptions = {}): Spec {
  if (options === null || typeof options !== 'object' || options instanceof Spec) {
    throw new BtfError(
      `options must be an object such as { base }, not ${options instanceof Spec ? 'a Spec (pass it as { base })' : String(options)}`,
    );
  }
  const { base, ...specOptions } = options;
  const bytes = specBytes(input);
  if (!isElf(bytes)) return new Spec(bytes, base, specOptions);
  const elf = parseElf(bytes);
  const btf = elf.section('.BTF');
  if (!btf) throw new ElfError('no .BTF section (was it built with BTF, e.g. clang -g?)');
  const distilled = elf.section('.BTF.base');
  if (!distilled) return new Spec(elf.sectionData(btf), base, specOptions);
  const distilledBase = new Spec(elf.sectionData(distilled), undefined, {
    name: specOptions.name === undefined ? undefined : `${specOptions.name}(.BTF.base)`,
  });
  const split = new Spec(elf.sectionData(btf), distilledBase, { name: specOptions.name });
  return base ? relocateSplit(split, base) : split;
}

/**
 * Opens raw BTF or an ELF file's `.BTF`, as base BTF or, given `base`, as split BTF on it.
 * @deprecated Use {@link openSpec}`(bytes, { base, ...options })`, which does the same.
 * @throws {BtfError} / {@link ElfError} as {@link openSpec} does.
 */
export function loadSpecFromBytes(input: Uint8Array | ArrayBuffer, base?: Spec, options: SpecOptions = {}): Spec {
  return openSpec(input, { ...options, base });
}
