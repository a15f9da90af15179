/**
 * The `gen` command table (generating from BTF). Each command's module is imported only when it
 * runs.
 * @module
 */
import type { CommandEntry } from './command.js';

export const genCommands: readonly CommandEntry[] = [
  {
    name: 'min_core_btf',
    summary: 'minimal BTF for BPF objects: only the types their CO-RE relocations reach',
    load: async () => (await import('./gen-min-core-btf.js')).genMinCoreBtf,
  },
  {
    name: 'skeleton',
    summary: 'a TypeScript module for a BPF object: embedded, maps, globals and programs typed',
    load: async () => (await import('./gen-skeleton.js')).genSkeleton,
  },
];
