/**
 * tsbpf's side of the BTF core benchmarks, run as a child process so that each figure starts
 * from a cold process as the C harnesses do. Prints one JSON line, like bench/c/*.
 *
 *   node bench/ts/core.mjs parse <btf-file> [iters]
 *   node bench/ts/core.mjs find-names <btf-file> <names-file>
 *   node bench/ts/core.mjs parse-split-all <dir>
 *   node bench/ts/core.mjs validate <btf-file> [iters]
 *   node bench/ts/core.mjs walk <btf-file> [iters]
 *   node bench/ts/core.mjs merge <dir>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec, loadSplitSpec, merge, validateLoadable } from '../../dist/btf/index.js';

const [cmd, ...args] = process.argv.slice(2);
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const peakRssKb = () => process.resourceUsage().maxRSS;

if (cmd === 'parse') {
  // Like btf__parse: read the file and open it (header, strings, record index), `iters` times,
  // then as many times again. libbpf frees each blob before reading the next, so its reads land
  // in memory the process already has; here each read takes fresh memory (a page fault per 4 KiB
  // page, some 1,350 for vmlinux) until V8 collects the earlier blobs, which it does once their
  // bytes outgrow its external-memory limit (about ten opens of vmlinux). The second round
  // (`later_ms`) is that state; `faults` and `later_faults` are the median page faults per open.
  const [file, itersArg = '20'] = args;
  const iters = Number(itersArg);
  const runs = [];
  const faults = [];
  let types = 0;
  for (let i = 0; i < 2 * iters; i++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = now();
    const spec = loadSpec(readFileSync(file));
    runs.push(now() - t0);
    faults.push(process.resourceUsage().minorPageFault - f0);
    types = spec.count;
  }
  console.log(
    JSON.stringify({
      bench: 'parse',
      ms: median(runs.slice(1, iters)),
      first_ms: runs[0],
      later_ms: median(runs.slice(iters)),
      faults: median(faults.slice(1, iters)),
      later_faults: median(faults.slice(iters)),
      types,
      peak_rss_kb: peakRssKb(),
    }),
  );
} else if (cmd === 'find-names') {
  const [file, namesFile] = args;
  const names = readFileSync(namesFile, 'utf8').split('\n').filter(Boolean);
  const t0 = now();
  const spec = loadSpec(readFileSync(file));
  const t1 = now();
  let found = 0;
  for (const n of names) if (spec.typesByName(n).length > 0) found++;
  const t2 = now();
  console.log(
    JSON.stringify({ bench: 'find-names', names: names.length, found, parse_ms: t1 - t0, lookup_ms: t2 - t1, ms: t2 - t0 }),
  );
} else if (cmd === 'parse-split-all') {
  // Like btf__parse_split over every module: each module opened on the shared base, all kept alive.
  const [dir] = args;
  const t0 = now();
  const base = loadSpec(readFileSync(join(dir, 'vmlinux')));
  const baseMs = now() - t0;
  const mods = [];
  let types = 0;
  for (const f of readdirSync(dir)) {
    if (f === 'vmlinux' || f.startsWith('.')) continue;
    const m = loadSplitSpec(readFileSync(join(dir, f)), base);
    types += m.count;
    mods.push(m);
  }
  const ms = now() - t0;
  console.log(
    JSON.stringify({
      bench: 'parse-split-all',
      modules: mods.length,
      base_types: base.count,
      module_types: types,
      ms,
      base_ms: baseMs,
      peak_rss_kb: peakRssKb(),
    }),
  );
} else if (cmd === 'validate') {
  // Open and validate as the kernel's verifier would: the format level, then the loadable level.
  const [file, itersArg = '10'] = args;
  const format = [];
  const loadable = [];
  for (let i = 0; i < Number(itersArg); i++) {
    const t0 = now();
    const spec = loadSpec(readFileSync(file));
    spec.validate();
    const t1 = now();
    validateLoadable(spec);
    loadable.push(now() - t1);
    format.push(t1 - t0);
  }
  console.log(
    JSON.stringify({
      bench: 'validate',
      ms: median(format.slice(1)),
      first_ms: format[0],
      loadable_ms: median(loadable.slice(1)),
    }),
  );
} else if (cmd === 'walk') {
  // Every type of the file through the model (allTypes(): each type inflated with its members,
  // parameters and names), on a freshly opened spec each time: the first walk of the process,
  // then the median of the rest.
  const [file, itersArg = '5'] = args;
  const bytes = readFileSync(file);
  const runs = [];
  let types = 0;
  for (let i = 0; i < Number(itersArg); i++) {
    const spec = loadSpec(bytes);
    const t0 = now();
    types = 0;
    for (const t of spec.allTypes()) if (t.id > 0) types++;
    runs.push(now() - t0);
  }
  console.log(JSON.stringify({ bench: 'walk', types, first_ms: runs[0], ms: median(runs.slice(1)), peak_rss_kb: peakRssKb() }));
} else if (cmd === 'merge') {
  // Like bench/c/merge: every module of the directory onto its vmlinux, then deduplicated; the
  // library's merge() with its default validation of each module.
  const [dir] = args;
  const t0 = now();
  const base = loadSpec(readFileSync(join(dir, 'vmlinux')));
  const modules = readdirSync(dir)
    .filter((f) => f !== 'vmlinux' && !f.startsWith('.'))
    .sort()
    .map((name) => ({ name, spec: loadSplitSpec(readFileSync(join(dir, name)), base) }));
  const t1 = now();
  // The validation merge() runs first (each module's and, once, the base's), timed on its own:
  // validate() keeps its verdict, so merge() does not run it again and the total is unchanged.
  for (const m of modules) m.spec.validate();
  const tv = now();
  const r = merge(base, modules);
  const t2 = now();
  console.log(
    JSON.stringify({
      bench: 'merge',
      modules: modules.length,
      types_before: r.typesBefore,
      types_after: r.typesAfter,
      parse_ms: t1 - t0,
      validate_ms: tv - t1,
      merge_ms: t2 - tv,
      ms: t2 - t0,
      peak_rss_kb: peakRssKb(),
    }),
  );
} else {
  console.error('usage: core.mjs parse|find-names|parse-split-all|validate|walk|merge ...');
  process.exit(2);
}
