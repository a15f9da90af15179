/** libbpf 1.1 as an oracle for the object reader: test/obj/oracle/btf-fixup.c, built on first use. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../fixtures.js';

let built: string | undefined;
let why: string | undefined;

/** Why the libbpf oracle cannot run here, or undefined. */
export function libbpfMissing(): string | undefined {
  build();
  return why;
}

function build(): string | undefined {
  if (built !== undefined || why !== undefined) return built;
  if (!existsSync('/usr/include/bpf/libbpf.h')) {
    why = 'libbpf-dev is not installed';
    return undefined;
  }
  const out = join(tempDir(), 'btf-fixup-oracle');
  const cc = spawnSync('cc', ['-O1', '-o', out, join(ROOT, 'test', 'obj', 'oracle', 'btf-fixup.c'), '-lbpf'], {
    encoding: 'utf8',
  });
  if (cc.status !== 0) {
    why = `cannot build the libbpf oracle: ${cc.stderr || cc.error}`;
    return undefined;
  }
  built = out;
  return built;
}

/** What libbpf 1.1 makes of an object at open time. */
export interface LibbpfView {
  /** The object's BTF after libbpf's open-time fixups. */
  btf: Uint8Array;
  /** Maps: kernel name, type, key size, value size, max entries, flags. */
  maps: { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number }[];
  /** Programs: name, section, type, expected attach type, instruction count, whether it is loaded by default. */
  programs: { name: string; section: string; type: number; expectedAttachType: number; insns: number; autoload: boolean }[];
}

/** Runs the oracle on an object file. */
export function libbpfOpen(path: string): LibbpfView {
  const exe = build();
  if (exe === undefined) throw new Error(why);
  const r = spawnSync(exe, [path], { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`libbpf oracle failed on ${path}: ${r.stderr}`);
  const view: LibbpfView = { btf: new Uint8Array(r.stdout), maps: [], programs: [] };
  for (const line of r.stderr.toString().split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'map') {
      const [name, type, keySize, valueSize, maxEntries, flags] = [f[1]!, ...f.slice(2).map(Number)] as [string, ...number[]];
      view.maps.push({ name, type: type!, keySize: keySize!, valueSize: valueSize!, maxEntries: maxEntries!, flags: flags! });
    } else if (f[0] === 'prog') {
      view.programs.push({
        name: f[1]!,
        section: f[2]!,
        type: Number(f[3]),
        expectedAttachType: Number(f[4]),
        insns: Number(f[6]),
        autoload: f[7] === '1',
      });
    }
  }
  return view;
}
