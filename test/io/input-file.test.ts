/**
 * Inputs never hang or exhaust memory: only regular files are read, opened without blocking,
 * and BTF files only as far as their header says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BtfError, IoError, NotFoundError } from '../../src/errors.js';
import { openInput, readInput } from '../../src/io/input-file.js';
import { btfFileLength, readBytes } from '../../src/kernel/btf-file.js';
import { loadSpecFile } from '../../src/kernel/spec-file.js';
import { HOST_VMLINUX, KINDS_OBJECT, kernelFixtures, tempDir } from '../fixtures.js';

function scratch(name: string): string {
  return mkdtempSync(join(tempDir(), `${name}-`));
}

/** A sparse file of `size` bytes starting with `head`. */
function sparse(path: string, head: Uint8Array, size: number): string {
  const fd = openSync(path, 'w');
  writeSync(fd, head, 0, head.byteLength, 0);
  closeSync(fd);
  execFileSync('truncate', ['-s', String(size), path]);
  return path;
}

const refused = (path: string, kind: string) => (e: unknown) =>
  e instanceof IoError && e.message === `${path}: not a regular file (${kind}); refusing to read it`;

describe('input files', () => {
  test('a FIFO is refused at once, without waiting for a writer', () => {
    const fifo = join(scratch('fifo'), 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.throws(() => openInput(fifo), refused(fifo, 'a FIFO'));
    assert.throws(() => readBytes(fifo), refused(fifo, 'a FIFO'));
    const link = `${fifo}-link`;
    symlinkSync(fifo, link);
    assert.throws(() => readBytes(link), refused(link, 'a FIFO'));
  });

  test('character devices and directories are refused', () => {
    for (const dev of ['/dev/zero', '/dev/urandom', '/dev/null']) {
      if (existsSync(dev)) assert.throws(() => readBytes(dev), refused(dev, 'a character device'));
    }
    const dir = scratch('dir');
    assert.throws(() => readBytes(dir), refused(dir, 'a directory'));
  });

  test('a missing file is a NotFoundError; one whose name lost non-UTF-8 bytes says so', () => {
    const missing = join(tempDir(), 'no-such-file');
    assert.throws(
      () => readBytes(missing),
      (e: unknown) => e instanceof NotFoundError && e.message === `${missing}: no such file`,
    );
    const mangled = join(tempDir(), 'bad-\ufffd-name');
    assert.throws(() => readBytes(mangled), /not valid UTF-8 and lost bytes/);
  });

  test('sysfs BTF files are regular files and read whole', {
    skip: existsSync(HOST_VMLINUX) ? false : `no ${HOST_VMLINUX}`,
  }, () => {
    assert.deepEqual(Buffer.from(readBytes(HOST_VMLINUX)), readFileSync(HOST_VMLINUX));
  });

  test('raw BTF is read to the end of its last section, not to the end of the file', () => {
    const k = kernelFixtures()[0];
    assert.ok(k, 'kernel fixtures');
    const dir = scratch('btf');
    // A real vmlinux followed by 1.5 GB of holes: only the blob is read.
    const path = sparse(join(dir, 'vmlinux-padded'), k.vmlinux, 1536 << 20);
    assert.deepEqual(readBytes(path), k.vmlinux);
  });

  test('a large file that is neither BTF nor ELF is not read past its first bytes', () => {
    const dir = scratch('big');
    const path = sparse(join(dir, 'zeros'), new Uint8Array(1), 1536 << 20);
    assert.equal(readInput(path, btfFileLength).byteLength, 64);
    assert.throws(
      () => loadSpecFile(path),
      (e: unknown) =>
        e instanceof BtfError && e.message === `${path}: offset 0: bad magic 0x0000, want 0xeb9f (kernel: "Invalid magic")`,
    );
  });

  test('a raw header declaring more than the file holds fails naming the file, before reading on', () => {
    const dir = scratch('hdr');
    const head = new Uint8Array(24);
    const v = new DataView(head.buffer);
    v.setUint16(0, 0xeb9f, true);
    v.setUint8(2, 1);
    v.setUint32(4, 24, true);
    v.setUint32(16, 0, true);
    v.setUint32(20, 0xfffffff0, true); // a 4 GB string section
    const path = sparse(join(dir, 'liar'), head, 1 << 20);
    assert.throws(
      () => readBytes(path),
      (e: unknown) => e instanceof BtfError && e.message.startsWith(`${path}: `) && /string section .* overruns/.test(e.message),
    );
  });

  test('an ELF file is read as far as its sections and section headers reach', () => {
    const obj = readFileSync(KINDS_OBJECT);
    const dir = scratch('elf');
    const path = sparse(join(dir, 'padded.o'), obj, obj.byteLength + (64 << 20));
    assert.deepEqual(Buffer.from(readBytes(path)), obj);
  });
});
