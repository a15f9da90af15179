/**
 * Attaching a loaded program the way its section name says (libbpf's auto-attach): fentry and
 * friends to their BTF target, kprobes and kretprobes to `[module:]function`, kprobe.multi to a
 * pattern, uprobes to `path:function`, tracepoints, raw tracepoints, iterators, perf_event
 * programs to a cpu-clock event on every online CPU (1 kHz). Programs whose section names no
 * target (xdp, tc, socket, cgroup...) are not attached.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { NotFoundError, TsbpfError } from '../errors.js';
import { attachIter } from '../link/iter.js';
import { attachKprobe, attachKprobeMulti } from '../link/kprobe.js';
import type { Link } from '../link/link.js';
import { attachPerfSampling } from '../link/perf-sampling.js';
import { tracefs } from '../link/tracefs.js';
import { attachRawTracepoint, attachTracepoint } from '../link/tracepoint.js';
import { attachTracing } from '../link/tracing.js';
import { attachUprobe } from '../link/uprobe.js';
import type { ProgramSpec } from '../obj/object-spec.js';
import { AttachType } from '../sys/attach-type.js';
import { ProgType } from '../sys/prog-type.js';
import type { Program } from './program.js';

/** Functions of `available_filter_functions` matching a glob (`*`, `?`). */
function expandGlob(pattern: string): string[] {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  const out = new Set<string>();
  for (const line of readFileSync(`${tracefs()}/available_filter_functions`, 'utf8').split('\n')) {
    const name = line.split(/\s+/)[0];
    if (name !== undefined && re.test(name)) out.add(name);
  }
  if (out.size === 0) throw new NotFoundError(`kprobe.multi pattern '${pattern}': no traceable function matches`);
  return [...out];
}

/**
 * Attaches `prog` as its section `spec.section` says, or returns `undefined` for sections that
 * name no target.
 *
 * @throws {@link TsbpfError} for a section whose target is missing or malformed; kernel errors
 *   as the link functions throw them.
 */
export function autoAttach(prog: Program, spec: Pick<ProgramSpec, 'section' | 'attachTo'>): Link | undefined {
  const section = spec.section;
  const target = spec.attachTo;
  const need = () => {
    if (target === '') throw new TsbpfError(`program ${prog.name}: section ${section} names no attach target`);
    return target;
  };
  switch (prog.type) {
    case ProgType.TRACING:
    case ProgType.LSM:
      if (prog.expectedAttachType === AttachType.TRACE_ITER) return attachIter(prog);
      return attachTracing(prog);
    case ProgType.KPROBE: {
      if (section.startsWith('kprobe.multi/') || section.startsWith('kretprobe.multi/')) {
        const t = need();
        const symbols = /[*?]/.test(t) ? expandGlob(t) : [t];
        return attachKprobeMulti(prog, symbols, { retprobe: section.startsWith('kretprobe') });
      }
      if (section.startsWith('kprobe/') || section.startsWith('kretprobe/')) {
        return attachKprobe(prog, need(), { retprobe: section.startsWith('kretprobe') });
      }
      if (section.startsWith('uprobe') || section.startsWith('uretprobe')) {
        const t = need();
        const colon = t.lastIndexOf(':');
        if (colon <= 0) throw new TsbpfError(`program ${prog.name}: section ${section}: want uprobe/<path>:<function>`);
        return attachUprobe(prog, t.slice(0, colon), t.slice(colon + 1), { retprobe: section.startsWith('uretprobe') });
      }
      return undefined;
    }
    case ProgType.TRACEPOINT:
      return attachTracepoint(prog, need());
    case ProgType.PERF_EVENT:
      return attachPerfSampling(prog);
    case ProgType.RAW_TRACEPOINT:
    case ProgType.RAW_TRACEPOINT_WRITABLE:
      return attachRawTracepoint(prog, need());
    default:
      return undefined;
  }
}
