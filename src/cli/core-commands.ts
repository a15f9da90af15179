/**
 * The `core` command table (CO-RE). Each command's module is imported only when it runs.
 * @module
 */
import type { CommandEntry } from './command.js';

export const coreCommands: readonly CommandEntry[] = [
  {
    name: 'explain',
    summary: 'decide and explain every CO-RE relocation of a BPF object against kernel BTF',
    load: async () => (await import('./core-explain.js')).coreExplain,
  },
];
