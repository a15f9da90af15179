/**
 * One C header for vmlinux and kernel modules: the modules' split BTF merged onto vmlinux and
 * deduplicated (a type the modules share, or one vmlinux already has, is written once), then
 * written as `format c` writes any split BTF. With no module it is vmlinux's header, byte for
 * byte what `writeC` (and bpftool) writes.
 * @module
 */
import { merge } from '../merge.js';
import { loadSplitSpec, type Spec } from '../spec.js';
import type { ChunkSink } from './byte-writer.js';
import { writeC } from './c.js';

/** A module to include: its name (for messages) and its split BTF on the header's base. */
export interface HeaderModule {
  readonly name: string;
  readonly spec: Spec;
}

/**
 * Writes the C header of `base` (vmlinux) and `modules` (split BTF on it): every type once,
 * module types deduplicated against each other and against `base`; types of the same name that
 * differ get bpftool's `___N` suffixes, as two such types of vmlinux do.
 * @throws {BtfError} naming the module whose BTF is invalid or not built on `base`.
 */
export function writeCWithModules(base: Spec, modules: readonly HeaderModule[], sink: ChunkSink): void {
  if (modules.length === 0) {
    writeC(base, sink);
    return;
  }
  if (modules.length === 1) {
    writeC(modules[0]!.spec, sink);
    return;
  }
  const merged = merge(
    base,
    modules.map((m) => ({ name: m.name, spec: m.spec })),
  );
  writeC(loadSplitSpec(merged.builder.marshal(), base, { name: 'modules' }), sink);
}
