/**
 * The `btf` commands that write BTF: `merge` and `dedup`.
 * @module
 */
import type { Command } from './command.js';

export const writerCommands: Command[] = [];
