/**
 * `tsbpf gen skeleton OBJ [--name NAME] [--import-from MODULE] > name.skel.ts`: a TypeScript
 * module with the object embedded and its maps, global data and programs typed from its BTF.
 * @module
 */
import { basename } from 'node:path';
import { inObject, UsageError } from '../errors.js';
import { generateSkeleton } from '../gen/skeleton.js';
import { displayPath } from '../io/display-path.js';
import { readInput } from '../io/input-file.js';
import type { Command, GlobalOptions, Io } from './command.js';

const USAGE = `Usage: tsbpf gen skeleton OBJ [--name NAME] [--import-from MODULE] > NAME.skel.ts

Writes a TypeScript module for the BPF object OBJ (bpftool's 'gen skeleton', for TypeScript):
the object embedded; a type for each map's key and value and for each global-data section's
variables, from the object's BTF, as tsbpf decodes them (structs and unions as objects, arrays
as arrays, char arrays as strings, enums by name, 64-bit integers and pointers as bigint);
typed map handles (lookup, update, delete, entries) and program handles over a Collection; and
load(options) and open(): set any global variable of any section (.rodata, .data, .bss and
their .NAME variants) before load, as skel.bss.counter = 1n. Once loaded, skel.bss.counter
reads the map and assigning to it writes the map (.rodata's are read-only then).

Options:
  --name NAME            the skeleton's name (default: OBJ's file name up to its first dot)
  --import-from MODULE   where the generated code imports tsbpf's loader from (default tsbpf/load)
  -h, --help             this help
`;

/** `tsbpf gen skeleton`. */
export const genSkeleton: Command = {
  usage: USAGE,
  run(argv: string[], _options: GlobalOptions, io: Io): number {
    const positional: string[] = [];
    let name: string | undefined;
    let importFrom: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const eq = a.startsWith('--') ? a.indexOf('=') : -1;
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const value = (): string => {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined || v === '') throw new UsageError(`option ${flag} needs a value`);
        return v;
      };
      if (flag === '--name') name = value();
      else if (flag === '--import-from') importFrom = value();
      else if (a.startsWith('-') && a.length > 1) throw new UsageError(`gen skeleton: unknown option '${a}'`);
      else positional.push(a);
    }
    if (positional.length !== 1) {
      throw new UsageError(positional.length === 0 ? 'gen skeleton: missing OBJ' : `gen skeleton: unexpected '${positional[1]}'`);
    }
    const path = positional[0]!;
    const bytes = readInput(path);
    let text: string;
    try {
      text = generateSkeleton(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        file: basename(path),
        ...(name !== undefined ? { name } : {}),
        ...(importFrom !== undefined ? { importFrom } : {}),
      });
    } catch (err) {
      throw inObject(err, displayPath(path));
    }
    io.out(text);
    return 0;
  },
};
