/**
 * `tsbpf btf dedup`: one BTF file deduplicated (split BTF against its base).
 * @module
 */
import { Builder } from '../btf/builder.js';
import { UsageError } from '../errors.js';
import { refuseOutputOverInput } from '../io/file-identity.js';
import { writeOutput } from '../io/output-file.js';
import { openBtfFile } from '../kernel/btf-file.js';
import type { Command } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';
import { parseWriterArgs, writerOptions } from './writer-args.js';

const USAGE = `Usage: tsbpf btf dedup <IN> [-B <BASE>] -o <OUT>

Deduplicates the types of a BTF file (raw BTF or an ELF's .BTF) the way libbpf's btf__dedup
does. Split BTF (a module's) is deduplicated against its base: types the base already has are
replaced by references to it. OUT is written only if the whole write succeeds; it may be
'-' (standard output) or a device, but never IN or BASE.

Prints one line: types before, types after, bytes (on standard error when OUT is standard
output).

${writerOptions('BASE', 'OUT')}`;

export const btfDedup: Command = {
  usage: USAGE,
  async run(args, options, io) {
    const parsed = parseWriterArgs('dedup', args, options);
    if (parsed.inputs.length !== 1) throw new UsageError('btf dedup: want exactly one input <IN>');
    if (parsed.out === undefined) throw new UsageError('btf dedup: missing -o <OUT>');
    const input = parsed.inputs[0]!;
    refuseOutputOverInput([parsed.out], parsed.base !== undefined ? [input, parsed.base] : [input]);
    const spec = await openBtfFile(input, { ...(parsed.base !== undefined ? { base: parsed.base } : {}), validate: true });
    const builder = new Builder(spec.base ? { base: spec.base } : {});
    builder.addSpec(spec);
    const shown = progress(io, options);
    shown.phase(`dedup: deduplicating ${spec.count} types`);
    const stats = builder.dedup();
    shown.clear();
    const bytes = builder.marshal({ littleEndian: spec.littleEndian });
    const plan = await writeOutput(parsed.out, bytes, { stdout: (c) => io.out(c) });
    const say = plan.kind === 'stdout' ? (s: string) => io.err(s.slice(0, -1)) : (s: string) => io.out(s);
    if (options.json) say(jsonText({ ...stats, bytes: bytes.byteLength }, options.pretty));
    else
      say(`${input}: ${stats.typesBefore} types before, ${stats.typesAfter} after, ${bytes.byteLength} bytes -> ${parsed.out}\n`);
    return 0;
  },
};
