/**
 * The `btf` commands that write BTF: `merge`, `dedup` and `distill`.
 * @module
 */
import { btfDedup } from './btf-dedup.js';
import { btfDistill } from './btf-distill.js';
import { btfMerge } from './btf-merge.js';
import type { Command } from './command.js';

export const writerCommands: Command[] = [btfMerge, btfDedup, btfDistill];
