/**
 * uprobes and uretprobes on a binary's ELF symbols.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { SHT_DYNSYM, SHT_SYMTAB } from '../elf/constants.js';
import { parseElf } from '../elf/file.js';
import { readSymbols } from '../elf/symbols.js';
import { NotFoundError } from '../errors.js';
import { perfEventOpen } from '../sys/perf.js';
import type { AttachableProgram, Link } from './link.js';
import { attachPerfEvent } from './perf-event.js';
import { probePmu } from './tracefs.js';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

/**
 * The file offset of function `symbol` in the ELF file at `path` (what a uprobe attaches at):
 * its address minus its section's address, plus the section's file offset.
 *
 * @throws {@link NotFoundError} when the file has no such function; {@link ElfError} for a bad file.
 */
export function symbolFileOffset(path: string, symbol: string): bigint {
  const file = parseElf(readFileSync(path));
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    const table = file.sections.find((s) => s.type === type);
    if (table === undefined) continue;
    for (const sym of readSymbols(file, table)) {
      if (sym.name !== symbol || (sym.type !== STT_FUNC && sym.type !== STT_GNU_IFUNC) || sym.value === 0n) continue;
      const section = file.sectionAt(sym.shndx);
      if (section === undefined) continue;
      return sym.value - section.addr + BigInt(section.offset);
    }
  }
  throw new NotFoundError(`${path}: no function symbol '${symbol}'`);
}

/** Options of {@link attachUprobe}. */
export interface UprobeOptions {
  /** A return probe (uretprobe): runs when the function returns. */
  retprobe?: boolean;
  /** Only this process (default: every process running the binary). */
  pid?: number;
  /** Offset added to the symbol's. */
  offset?: bigint;
  /**
   * A value the program reads with `bpf_get_attach_cookie` (carried by a BPF link: kernels before
   * 5.15, which attach through the perf event ioctl, refuse it with a `NotSupportedError`).
   */
  cookie?: bigint;
}

/**
 * Attaches a uprobe program to function `symbol` of the binary or library at `path`.
 *
 * @throws {@link NotFoundError} for a missing symbol; {@link KernelError} when the kernel refuses.
 */
export function attachUprobe(prog: AttachableProgram, path: string, symbol: string, options: UprobeOptions = {}): Link {
  const pmu = probePmu('uprobe');
  const offset = symbolFileOffset(path, symbol) + (options.offset ?? 0n);
  const kind = options.retprobe ? 'uretprobe' : 'uprobe';
  const description = `${kind} ${path}:${symbol}`;
  const pid = options.pid ?? -1;
  const event = perfEventOpen({
    type: pmu.type,
    config: options.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
    config1: path,
    config2: offset,
    pid,
    cpu: pid === -1 ? 0 : -1,
    subject: description,
  });
  return attachPerfEvent(prog.fd, event, description, options.cookie);
}
