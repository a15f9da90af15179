/**
 * The `btf` commands that read the running kernel (or a directory laid out like /sys/kernel/btf):
 * `list`, `find`, and the kernel sources of `dump` (in btf-dump.ts).
 * @module
 */
import { btfFind } from './btf-find.js';
import { btfList } from './btf-list.js';
import type { Command } from './command.js';

export const kernelCommands: Command[] = [btfList, btfFind];
