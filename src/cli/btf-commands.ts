/**
 * The `btf` command table, in bpftool's order of preference for abbreviations (`btf d` is
 * `dump`). Each command's module is imported only when that command runs, so `tsbpf btf dump`
 * does not pay for loading the writer, the registry or the syscall layer.
 * @module
 */
import type { CommandEntry } from './command.js';

export const btfCommands: readonly CommandEntry[] = [
  {
    name: 'dump',
    summary: 'dump the types of a BTF file, a kernel BTF object, a module or the kernel',
    load: async () => (await import('./btf-dump.js')).btfDump,
  },
  {
    name: 'list',
    summary: 'list the BTF objects loaded in the kernel',
    load: async () => (await import('./btf-list.js')).btfList,
  },
  {
    name: 'find',
    summary: 'find a type by name in vmlinux and kernel modules',
    load: async () => (await import('./btf-find.js')).btfFind,
  },
  {
    name: 'merge',
    summary: "merge modules' split BTF into one, deduplicated, on their base",
    load: async () => (await import('./btf-merge.js')).btfMerge,
  },
  { name: 'dedup', summary: 'deduplicate the types of a BTF file', load: async () => (await import('./btf-dedup.js')).btfDedup },
  {
    name: 'distill',
    summary: "rewrite a module's BTF on a distilled base (.BTF + .BTF.base)",
    load: async () => (await import('./btf-distill.js')).btfDistill,
  },
  // bpftool's alias; last, so that no abbreviation of another command changes.
  { name: 'show', summary: "the same as 'list' (bpftool's alias)", load: async () => (await import('./btf-list.js')).btfList },
];
