import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeUtf8 } from '../../src/internal/utf8.js';

describe('UTF-8 names decode as TextDecoder does', () => {
  const reference = new TextDecoder('utf-8', { fatal: false });

  it('ASCII, multi-byte and long names', () => {
    for (const text of ['', '.BTF.ext', 'café_ñ', '符号', 'emoji_😀_x', 'x'.repeat(20_000), `${'é'.repeat(9000)}!`]) {
      const bytes = new TextEncoder().encode(text);
      assert.equal(decodeUtf8(bytes, 0, bytes.length), text);
    }
  });

  it('random and malformed byte strings', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let n = 0; n < 3000; n++) {
      const len = next() % 24;
      const bytes = new Uint8Array(len);
      // Bias towards bytes that form (and break) multi-byte sequences.
      for (let i = 0; i < len; i++) bytes[i] = next() % 3 === 0 ? next() & 0x7f : 0x80 | (next() & 0x7f);
      assert.equal(decodeUtf8(bytes, 0, len), reference.decode(bytes), `bytes ${[...bytes].join(',')}`);
    }
  });
});
