/**
 * The `btf` commands that write BTF: `merge` and `dedup`.
 * @module
 */
import { btfDedup } from './btf-dedup.js';
import { btfMerge } from './btf-merge.js';
import type { Command } from './command.js';

export const writerCommands: Command[] = [btfMerge, btfDedup];
