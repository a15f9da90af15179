/**
 * The `btf` commands that read the running kernel (or a directory laid out like /sys/kernel/btf):
 * `list`, `find`, and the kernel sources of `dump`.
 * @module
 */
import type { Command } from './command.js';

export const kernelCommands: Command[] = [];
