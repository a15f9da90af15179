#!/usr/bin/env node
// Extract the uncompressed vmlinux ELF from an x86 bzImage (vmlinuz).
//
// Usage: node scripts/extract-vmlinux.mjs <vmlinuz> <out-vmlinux>
//
// Needs: nodejs, and the decompressor matching the kernel's compression:
//   xz-utils (xz, lzma), zstd, lz4, gzip (built into Node), bzip2, lzop.
//
// How it works: the x86 boot protocol (>= 2.08) records where the compressed
// kernel sits inside the image: `setup_sects` (byte 0x1f1) gives the size of
// the real-mode setup code, and `payload_offset`/`payload_length` (0x248/0x24c)
// locate the compressed blob relative to the start of the protected-mode part.
// The first bytes of that blob identify the compression format. When the header
// is unusable, the image is scanned for every known magic number instead, and the
// first candidate that decompresses into an ELF file wins.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Known compressed-stream signatures, by format. */
const FORMATS = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b, 0x08]) },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
  { name: 'lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]) },
  { name: 'bzip2', magic: Buffer.from('BZh', 'latin1') },
  { name: 'lzma', magic: Buffer.from([0x5d, 0x00, 0x00]) },
  { name: 'lzo', magic: Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]) },
];

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Run an external decompressor on `data`; returns stdout (possibly partial) or null. */
function runTool(cmd, args, data) {
  const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 30 });
  if (r.error) {
    if (r.error.code === 'ENOENT') {
      process.stderr.write(`extract-vmlinux: ${cmd} is not installed\n`);
    }
    return null;
  }
  // Trailing bytes after the stream (the kernel appends the uncompressed size)
  // make some tools exit non-zero although the output is complete.
  return r.stdout && r.stdout.length > 0 ? r.stdout : null;
}

/** Decompress `data` as format `name`; returns the output or null. */
function decompress(name, data) {
  switch (name) {
    case 'gzip':
      try {
        return gunzipSync(data);
      } catch {
        return runTool('gzip', ['-dc'], data);
      }
    case 'xz':
      return runTool('xz', ['-dc', '--single-stream', '-q'], data);
    case 'lzma':
      return runTool('xz', ['-dc', '--format=lzma', '-q'], data);
    case 'zstd': {
      // The kernel appends a 4-byte little-endian uncompressed size after the frame.
      const out = runTool('zstd', ['-dcq'], data);
      return out ?? runTool('zstd', ['-dcq'], data.subarray(0, data.length - 4));
    }
    case 'lz4':
      return runTool('lz4', ['-dc', '-q'], data);
    case 'bzip2':
      return runTool('bzip2', ['-dc', '-q'], data);
    case 'lzo':
      return runTool('lzop', ['-dc', '-q'], data);
    default:
      return null;
  }
}

/** Compressed payload located by the boot-protocol header, or null. */
function payloadFromHeader(image) {
  if (image.length < 0x260 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
  const version = image.readUInt16LE(0x206);
  if (version < 0x208) return null;
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  if (length === 0 || start + length > image.length) return null;
  return image.subarray(start, start + length);
}

function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: extract-vmlinux.mjs <vmlinuz> <out-vmlinux>\n');
    process.exit(2);
  }
  const image = readFileSync(input);
  if (image.subarray(0, 4).equals(ELF_MAGIC)) {
    writeFileSync(output, image);
    process.stdout.write(`${input}: already an ELF file\n`);
    return;
  }

  const candidates = [];
  const payload = payloadFromHeader(image);
  if (payload) {
    for (const f of FORMATS) {
      if (payload.subarray(0, f.magic.length).equals(f.magic)) {
        candidates.push({ format: f.name, offset: payload.byteOffset - image.byteOffset, data: payload });
      }
    }
  }
  // Fallback: scan for every magic number, in file order.
  const scanned = [];
  for (const f of FORMATS) {
    let at = image.indexOf(f.magic);
    while (at !== -1) {
      scanned.push({ format: f.name, offset: at, data: image.subarray(at) });
      at = image.indexOf(f.magic, at + 1);
    }
  }
  scanned.sort((a, b) => a.offset - b.offset);
  candidates.push(...scanned);

  for (const c of candidates) {
    const out = decompress(c.format, c.data);
    if (out && out.length > 4 && out.subarray(0, 4).equals(ELF_MAGIC)) {
      writeFileSync(output, out);
      process.stdout.write(
        `${input}: ${c.format} payload at 0x${c.offset.toString(16)} -> ${output} (${out.length} bytes)\n`,
      );
      return;
    }
  }
  process.stderr.write(`${input}: no compressed ELF payload found (${candidates.length} candidates tried)\n`);
  process.exit(1);
}

main();
