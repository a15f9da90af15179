/**
 * bcc's libbpf-tools under tsbpf behave as under libbpf 1.1 on the same kernel: each profile
 * (test/corpus/tools.ts: the programs, attach targets and map sizes the tool's user space sets, and
 * its trigger) is run through the load-run oracle and through tsbpf's Collection, one after the
 * other; the same programs load and attach (or fail to), the maps that fill under libbpf fill
 * under tsbpf, ring and perf buffers deliver records under both, and `.rodata` holds the same bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { PerfBufferReader } from '../../src/load/perf-buffer.js';
import { RingBufferReader } from '../../src/load/ring-buffer.js';
import { loadObject, MapType } from '../../src/obj/index.js';
import { type LoadRunReport, loadRun, oraclesUnavailable, tracefsUnavailable } from '../oracle/oracles.js';
import { LIBBPF_TOOLS, readObject } from './corpus.js';
import { profileRuns, TOOL_PROFILES, type ToolProfile, visibleNeeds } from './tools.js';

const skip =
  oraclesUnavailable() ??
  (process.getuid?.() === 0 ? undefined : 'needs root (programs are loaded)') ??
  tracefsUnavailable() ??
  false;

/** What tsbpf did with a profile, in the oracle's terms. */
interface Outcome {
  loaded: boolean;
  attached: Set<string>;
  filled: Set<string>;
  rodata: string | undefined;
  error?: string;
}

function trigger(p: ToolProfile): void {
  if (p.command) {
    spawnSync(p.command[0]!, p.command.slice(1), { stdio: 'ignore' });
  } else {
    closeSync(openSync('/dev/null', 'r'));
  }
}

async function underTsbpf(p: ToolProfile): Promise<Outcome> {
  const bytes = readObject(join(LIBBPF_TOOLS, `${p.tool}.bpf.o`));
  const spec = loadObject(bytes, `${p.tool}.bpf.o`);
  for (const m of spec.maps) {
    if (p.maxEntries?.[m.name] !== undefined) m.maxEntries = p.maxEntries[m.name]!;
    if (p.valueSizes?.[m.name] !== undefined) m.valueSize = p.valueSizes[m.name]!;
  }
  const programs: Record<string, { autoload?: boolean; attachTo?: string }> = {};
  for (const name of p.disable ?? []) programs[name] = { autoload: false };
  for (const [name, fn] of Object.entries(p.attachTargets ?? {})) programs[name] = { ...programs[name], attachTo: fn };
  let coll: Collection;
  try {
    coll = Collection.load({ spec }, { programs });
  } catch (err) {
    return { loaded: false, attached: new Set(), filled: new Set(), rodata: undefined, error: (err as Error).message };
  }
  try {
    const attached = new Set<string>();
    for (const [name, prog] of coll.programs) {
      const ps = spec.programs.find((x) => x.name === name);
      if (!ps) continue;
      try {
        const link = autoAttach(prog, ps);
        if (link) {
          coll.adopt(link);
          attached.add(name);
        }
      } catch {
        // reported as not attached, as the oracle does
      }
    }
    const events = new Map<string, number>();
    const readers: { name: string; drain: () => number; close: () => void }[] = [];
    for (const [name, map] of coll.maps) {
      if (map.type === MapType.RINGBUF) {
        const r = new RingBufferReader(map);
        readers.push({ name, drain: () => r.drain(() => {}), close: () => r.close() });
      } else if (map.type === MapType.PERF_EVENT_ARRAY) {
        const r = new PerfBufferReader(map);
        readers.push({ name, drain: () => r.drain(() => {}), close: () => r.close() });
      }
    }
    trigger(p);
    const until = Date.now() + (p.durationS ?? 0) * 1000;
    do {
      for (const r of readers) events.set(r.name, (events.get(r.name) ?? 0) + r.drain());
      await sleep(10);
    } while (Date.now() < until);
    for (const r of readers) events.set(r.name, (events.get(r.name) ?? 0) + r.drain());
    for (const r of readers) r.close();
    const filled = new Set<string>();
    for (const [name, map] of coll.maps) {
      if ((events.get(name) ?? 0) > 0) filled.add(name);
      else if (map.type !== MapType.CGROUP_ARRAY && !readers.some((r) => r.name === name)) {
        for (const _ of map.keyBytes()) {
          filled.add(name);
          break;
        }
      }
    }
    const rodata = coll.maps.get('.rodata')?.lookupBytes(0);
    return { loaded: true, attached, filled, rodata: rodata ? Buffer.from(rodata).toString('hex') : undefined };
  } finally {
    coll.close();
  }
}

/** The oracle's report, with libbpf's internal map names turned into the object's section names. */
function underLibbpf(p: ToolProfile): Outcome & { report: LoadRunReport } {
  const report = loadRun(join(LIBBPF_TOOLS, `${p.tool}.bpf.o`), {
    disable: [...(p.disable ?? [])],
    attachTargets: { ...p.attachTargets },
    maxEntries: { ...p.maxEntries },
    valueSizes: { ...p.valueSizes },
    ...(p.command ? { command: [...p.command] } : {}),
    ...(p.durationS !== undefined ? { durationS: p.durationS } : {}),
  });
  const section = (name: string) => (/^[^.]*\.(bss|data|rodata|kconfig)/.test(name) ? name.slice(name.indexOf('.')) : name);
  const filled = new Set(report.maps.filter((m) => (m.entries ?? 0) > 0 || (m.events ?? 0) > 0).map((m) => section(m.name)));
  const rodata = report.maps.find((m) => m.name.endsWith('.rodata'))?.contents?.[0]?.value;
  return {
    report,
    loaded: report.loaded,
    attached: new Set(report.programs.filter((x) => x.attached).map((x) => x.name)),
    filled,
    rodata,
  };
}

describe('libbpf-tools under tsbpf, as under libbpf 1.1', { skip }, () => {
  const have = visibleNeeds(existsSync, process.env.TSBPF_VM_RELEASE !== undefined);
  for (const p of TOOL_PROFILES) {
    it(p.name, { skip: profileRuns(p, have) ? false : `the kernel lacks ${p.needs.join(', ')}` }, async (t) => {
      const libbpf = underLibbpf(p);
      const ours = await underTsbpf(p);
      assert.equal(
        ours.loaded,
        libbpf.loaded,
        `loaded: tsbpf ${ours.loaded} (${ours.error ?? 'ok'}), libbpf ${libbpf.loaded} (${libbpf.report.error ?? 'ok'})`,
      );
      assert.deepEqual([...ours.attached].sort(), [...libbpf.attached].sort(), 'attached programs');
      // The maps the profile names must fill under tsbpf wherever they fill under libbpf; others may
      // fill by chance (other processes' activity). Where a kernel's functions changed so that the
      // trigger reaches none of them, libbpf's map stays empty too, and there is nothing to compare.
      for (const m of p.filled) {
        if (!libbpf.filled.has(m)) {
          t.diagnostic(`${m} stayed empty under libbpf too in this kernel: not compared`);
          continue;
        }
        assert.ok(ours.filled.has(m), `${m} stayed empty under tsbpf (libbpf filled it)`);
      }
      assert.equal(ours.rodata, libbpf.rodata, '.rodata bytes');
    });
  }
});
