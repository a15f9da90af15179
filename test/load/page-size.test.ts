/**
 * The page size the ring and perf buffers are mapped in: read from this process's auxiliary
 * vector, it agrees with getconf(1) and with sysconf through the native syscall door; the vector
 * reader finds an entry in both word sizes and byte orders and stops at its end.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { auxvValue, pageSize } from '../../src/load/page-size.js';
import { nativeSyscallImpl } from '../../src/sys/ffi.js';

test('the page size agrees with getconf PAGESIZE and sysconf(_SC_PAGESIZE)', () => {
  const getconf = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  assert.equal(getconf.status, 0, getconf.stderr);
  assert.equal(pageSize(), Number(getconf.stdout.trim()));
  assert.equal(nativeSyscallImpl().pageSize!(), pageSize());
});

test('auxvValue reads both word sizes and byte orders, and nothing past AT_NULL', () => {
  for (const wordBytes of [4, 8] as const) {
    for (const le of [true, false]) {
      // AT_HWCAP (16) = 7, AT_PAGESZ (6) = 16384, AT_NULL, then an AT_CLKTCK (17) past the end.
      const words = [16n, 7n, 6n, 16384n, 0n, 0n, 17n, 100n];
      const bytes = new Uint8Array(words.length * wordBytes);
      const view = new DataView(bytes.buffer);
      for (const [i, w] of words.entries()) {
        if (wordBytes === 8) view.setBigUint64(i * 8, w, le);
        else view.setUint32(i * 4, Number(w), le);
      }
      assert.equal(auxvValue(bytes, 6n, wordBytes, le), 16384);
      assert.equal(auxvValue(bytes, 16n, wordBytes, le), 7);
      assert.equal(auxvValue(bytes, 17n, wordBytes, le), undefined, 'after AT_NULL');
      assert.equal(auxvValue(bytes.subarray(0, wordBytes * 3), 6n, wordBytes, le), undefined, 'a truncated pair');
    }
  }
});
