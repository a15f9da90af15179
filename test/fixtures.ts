/**
 * Access to the committed fixtures (brotli-compressed kernel BTF, BPF objects) and to the
 * oracles (bpftool) that tests compare against.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

/** The repository root (tests run from build/test/...). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const KINDS_OBJECT = join(FIXTURES, 'bpf', 'kinds.bpf.o');
export const KINDS_SOURCE = join(FIXTURES, 'bpf', 'kinds.bpf.c');
export const HOST_VMLINUX = '/sys/kernel/btf/vmlinux';

/** Reads a fixture, decompressing `.br` files. */
export function readFixture(path: string): Uint8Array {
  const raw = readFileSync(path);
  return path.endsWith('.br') ? new Uint8Array(brotliDecompressSync(raw)) : new Uint8Array(raw);
}

/** One Debian kernel's committed BTF: vmlinux and a few modules. */
export interface KernelFixture {
  release: string;
  dir: string;
  vmlinux: Uint8Array;
  /** Module name → its split BTF. */
  modules: Map<string, Uint8Array>;
}

let kernels: KernelFixture[] | undefined;

/** Every kernel under test/fixtures/kernels/<release>/ (vmlinux.btf.br + <module>.btf.br). */
export function kernelFixtures(): KernelFixture[] {
  if (kernels) return kernels;
  const base = join(FIXTURES, 'kernels');
  kernels = [];
  if (!existsSync(base)) return kernels;
  for (const release of readdirSync(base).sort()) {
    const dir = join(base, release);
    const vmlinuxPath = join(dir, 'vmlinux.btf.br');
    if (!existsSync(vmlinuxPath)) continue;
    const modules = new Map<string, Uint8Array>();
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.btf.br') && f !== 'vmlinux.btf.br') modules.set(f.slice(0, -'.btf.br'.length), readFixture(join(dir, f)));
    }
    kernels.push({ release, dir, vmlinux: readFixture(vmlinuxPath), modules });
  }
  return kernels;
}

/** Whether a command is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

let scratch: string | undefined;
/** A temporary directory for this test process, removed when the process exits. */
export function tempDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-test-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/** Writes bytes to a temp file and returns its path. */
export function tempFile(name: string, bytes: Uint8Array): string {
  const p = join(tempDir(), name);
  writeFileSync(p, bytes);
  return p;
}

/** bpftool's output for `btf dump file <file> format raw` (with `-B base` when given; `-j` for JSON). */
export function bpftoolDump(file: string, opts: { base?: string; json?: boolean } = {}): Buffer {
  const args = [
    ...(opts.json ? ['-j'] : []),
    ...(opts.base ? ['-B', opts.base] : []),
    'btf',
    'dump',
    'file',
    file,
    'format',
    'raw',
  ];
  return execFileSync('bpftool', args, { maxBuffer: 1 << 30 });
}

/** Collects a ByteWriter-style sink into one buffer. */
export function collect(run: (sink: (chunk: Uint8Array | string) => void) => void): Buffer {
  const parts: Buffer[] = [];
  run((c) => parts.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c)));
  return Buffer.concat(parts);
}

/** Why a bpftool comparison cannot run here, or undefined if it can. */
export function bpftoolMissing(): string | undefined {
  return have('bpftool') ? undefined : 'bpftool is not installed (apt-get install bpftool)';
}
