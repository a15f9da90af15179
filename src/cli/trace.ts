/**
 * `tsbpf trace <[module:]function>`: counts calls of a kernel or module function with an fentry
 * program (a kprobe where fentry cannot attach), printing calls per second as it runs.
 * @module
 */
import { KernelError, NotFoundError, NotSupportedError, TsbpfError, UsageError } from '../errors.js';
import { attachKprobe } from '../link/kprobe.js';
import type { Link } from '../link/link.js';
import { attachTracing } from '../link/tracing.js';
import { BpfMap } from '../load/map.js';
import { Program } from '../load/program.js';
import { AttachType } from '../sys/attach-type.js';
import { MapType } from '../sys/map-type.js';
import { ProgType } from '../sys/prog-type.js';
import type { Command, Io } from './command.js';
import { jsonText } from './json-out.js';
import { countingProgram } from './trace-program.js';

const USAGE = `Usage: tsbpf trace <[module:]function> [--duration S] [-j]

Counts the calls of a kernel or module function until the duration passes (default: until
Ctrl-C), printing the calls of each second as it runs and the total at the end. The function is
found in vmlinux first, then in the loaded modules; 'veth:veth_open' names a module's. An fentry
program is attached where the kernel allows it, a kprobe otherwise.

  --duration S    stop after S seconds (a decimal number)
  -j, --json      print one JSON document at the end:
                  {"function","object","typeId","method","durationS","calls","perSecond":[...]}

Needs root (CAP_BPF and CAP_PERFMON).
`;

interface Attached {
  prog: Program;
  link: Link;
  method: 'fentry' | 'kprobe';
}

function attach(target: string, map: BpfMap, io: Io, json: boolean): Attached {
  const instructions = countingProgram(map.fd.raw);
  let fentryError: unknown;
  try {
    const prog = Program.load({
      name: 'tsbpf_trace',
      type: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_FENTRY,
      attachTo: target,
      instructions,
    });
    try {
      return { prog, link: attachTracing(prog), method: 'fentry' };
    } catch (err) {
      prog.close();
      throw err;
    }
  } catch (err) {
    // A function in no BTF object cannot be traced either way: say so.
    if (err instanceof NotFoundError || err instanceof UsageError) throw err;
    if (!(err instanceof TsbpfError)) throw err;
    fentryError = err;
  }
  const prog = Program.load({ name: 'tsbpf_trace', type: ProgType.KPROBE, instructions });
  try {
    const link = attachKprobe(prog, target);
    if (!json) io.err(`tsbpf: fentry could not attach (${(fentryError as Error).message}); using a kprobe`);
    return { prog, link, method: 'kprobe' };
  } catch (err) {
    prog.close();
    if (err instanceof NotSupportedError || err instanceof KernelError) {
      throw new TsbpfError(
        `trace ${target}: neither fentry nor kprobe could attach: ${(fentryError as Error).message}; ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

function total(map: BpfMap): bigint {
  const values = map.lookup(0) as bigint[] | undefined;
  return (values ?? []).reduce((a, b) => a + b, 0n);
}

export const trace: Command = {
  usage: USAGE,
  async run(args, options, io) {
    let target: string | undefined;
    let duration: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--duration' || a.startsWith('--duration=')) {
        const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
        duration = Number(v);
        if (v === undefined || v === '' || !Number.isFinite(duration) || duration < 0) {
          throw new UsageError(`trace: --duration wants a number of seconds, got '${v ?? ''}'`);
        }
      } else if (a.startsWith('-')) {
        throw new UsageError(`trace: unknown option '${a}'`);
      } else if (target === undefined) {
        target = a;
      } else {
        throw new UsageError(`trace: unexpected argument '${a}'`);
      }
    }
    if (target === undefined) throw new UsageError('trace: missing <[module:]function>');

    using map = BpfMap.create({ name: 'tsbpf_trace', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const attached = attach(target, map, io, options.json);
    const perSecond: number[] = [];
    const started = Date.now();
    try {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const onSignal = () => stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let last = 0n;
      const tick = setInterval(() => {
        const now = total(map);
        const delta = Number(now - last);
        last = now;
        perSecond.push(delta);
        if (options.json) return;
        const line = `${target}: ${delta} calls/s (${now} total, ${perSecond.length} s)`;
        if (io.status !== undefined) io.status(line);
        else io.out(`${line}\n`);
      }, 1000);
      const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
      await stopped;
      clearInterval(tick);
      if (timer !== undefined) clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    } finally {
      attached.link.close();
    }
    const calls = total(map);
    attached.prog.close();
    const seconds = (Date.now() - started) / 1000;
    const target0 = attached.prog.target;
    if (options.json) {
      const doc = {
        function: target,
        object: target0?.object ?? null,
        typeId: target0?.typeId ?? null,
        method: attached.method,
        durationS: Math.round(seconds * 1000) / 1000,
        calls: calls <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(calls) : calls.toString(),
        perSecond,
      };
      io.out(jsonText(doc, options.pretty));
    } else {
      io.status?.('');
      const where =
        target0 !== undefined ? ` (${attached.method} on ${target0.object} [${target0.typeId}])` : ` (${attached.method})`;
      io.out(`${target}: ${calls} calls in ${seconds.toFixed(1)} s${where}\n`);
    }
    return 0;
  },
};
