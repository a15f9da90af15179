import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRun, oraclesUnavailable, tracefsUnavailable } from '../oracle/oracles.js';
import { LIBBPF_TOOLS } from './corpus.js';
import { profileRuns, TOOL_PROFILES, visibleNeeds } from './tools.js';

const skip =
  oraclesUnavailable() ??
  (process.getuid?.() === 0 ? undefined : 'needs root (libbpf loads the programs)') ??
  tracefsUnavailable() ??
  false;

// The yardstick for "loads, attaches and fills its maps as under libbpf": every libbpf-tools
// profile the kernel visibly supports does so under libbpf 1.1 here.
describe('libbpf-tools under libbpf (load-run oracle)', { skip }, () => {
  const have = visibleNeeds(existsSync, process.env.TSBPF_VM_RELEASE !== undefined);
  for (const p of TOOL_PROFILES) {
    const runs = profileRuns(p, have);
    it(`${p.name}${runs ? '' : ` (the kernel lacks ${p.needs.join(', ')}: only reported)`}`, () => {
      const report = loadRun(join(LIBBPF_TOOLS, `${p.tool}.bpf.o`), {
        disable: [...(p.disable ?? [])],
        attachTargets: { ...p.attachTargets },
        maxEntries: { ...p.maxEntries },
        valueSizes: { ...p.valueSizes },
        ...(p.command ? { command: [...p.command] } : {}),
        ...(p.durationS !== undefined ? { durationS: p.durationS } : {}),
      });
      assert.ok(report.programs.length > 0 && report.maps.length > 0);
      if (!runs) return;
      assert.ok(report.loaded, `not loaded: ${report.error}`);
      for (const prog of report.programs.filter((x) => x.autoload)) {
        assert.ok(prog.attached, `${prog.name} (${prog.section}) not attached: ${prog.error}`);
      }
      for (const name of p.filled) {
        const m = report.maps.find((x) => x.name === name);
        assert.ok(m, `no map ${name}`);
        assert.ok((m.entries ?? 0) > 0 || (m.events ?? 0) > 0, `map ${name} stayed empty`);
      }
    });
  }
});
