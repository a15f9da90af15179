/**
 * `tsbpf btf distill`: a module's split BTF rewritten on a distilled base (the `.BTF` and
 * `.BTF.base` a module built out of tree carries).
 * @module
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { distillBase } from '../btf/distill.js';
import { UsageError } from '../errors.js';
import { refuseOutputOverInput } from '../io/file-identity.js';
import { writeOutputs } from '../io/output-file.js';
import { openBtfFile } from '../kernel/btf-file.js';
import { moduleNameOf } from '../kernel/module-name.js';
import type { Command } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';
import { parseWriterArgs, writerOptions } from './writer-args.js';

const USAGE = `Usage: tsbpf btf distill <MODULE> [-B <VMLINUX>] -o <DIR|PREFIX>

Splits a module's BTF into a distilled base, holding only the vmlinux types the module
needs (named ints, floats, enums, and structs and unions without their members), and new
split BTF on it, carrying the module's types plus the reference and anonymous types it
reaches in vmlinux. The pair can be relocated onto any vmlinux whose types match (the
kernel does so when it loads a module with a .BTF.base section).

MODULE is raw split BTF or a module's .ko (a .ko that already has .BTF.base is relocated onto
VMLINUX first). Writes <PREFIX>.btf (the new .BTF) and <PREFIX>.btf.base (the .BTF.base);
given a directory, PREFIX is DIR/<module name>. The two files appear together, complete, or
not at all; neither may be MODULE or VMLINUX.

Prints one line: types and bytes of the distilled base and of the new split BTF.

${writerOptions('VMLINUX', 'DIR|PREFIX')}`;

/** The output prefix: `out` itself, or `out/<module>` when `out` is a directory. */
function prefixFor(out: string, input: string): string {
  try {
    if (statSync(out).isDirectory()) return join(out, moduleNameOf(input));
  } catch {
    // not an existing directory: a prefix
  }
  return out;
}

export const btfDistill: Command = {
  usage: USAGE,
  async run(args, options, io) {
    const parsed = parseWriterArgs('distill', args, options);
    if (parsed.inputs.length !== 1) throw new UsageError('btf distill: want exactly one input <MODULE>');
    if (parsed.out === undefined) throw new UsageError('btf distill: missing -o <DIR|PREFIX>');
    const input = parsed.inputs[0]!;
    const prefix = prefixFor(parsed.out, input);
    const splitPath = `${prefix}.btf`;
    const basePath = `${prefix}.btf.base`;
    refuseOutputOverInput([splitPath, basePath], parsed.base !== undefined ? [input, parsed.base] : [input]);
    const spec = await openBtfFile(input, { ...(parsed.base !== undefined ? { base: parsed.base } : {}), validate: true });
    if (!spec.base) {
      throw new UsageError(`btf distill: ${input} is base BTF; give the base it was built on (base <VMLINUX>)`);
    }
    const shown = progress(io, options);
    shown.phase(`distill: distilling the base of ${spec.count} types`);
    const result = distillBase(spec);
    shown.clear();
    await writeOutputs([
      { path: splitPath, bytes: result.split },
      { path: basePath, bytes: result.base },
    ]);
    if (options.json) {
      io.out(
        jsonText(
          {
            module: input,
            types: spec.count,
            base: { path: basePath, types: result.baseTypes, bytes: result.base.byteLength },
            split: { path: splitPath, types: result.splitTypes, moved: result.movedTypes, bytes: result.split.byteLength },
          },
          options.pretty,
        ),
      );
    } else {
      io.out(
        `${input}: ${spec.count} types -> distilled base ${result.baseTypes} types, ${result.base.byteLength} bytes (${basePath}); ` +
          `split ${result.splitTypes} types (${result.movedTypes} from the base), ${result.split.byteLength} bytes (${splitPath})\n`,
      );
    }
    return 0;
  },
};
