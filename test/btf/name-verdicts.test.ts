/**
 * The one-pass verdict table validation reads names from agrees with the kernel's rules as
 * {@link kernelNameFault} scans them, at every offset (string starts and middles alike) of
 * vmlinux's string section and of sections made to sit on each rule's edge.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadSpec } from '../../src/btf/index.js';
import { IDENTIFIER_OK, kernelNameFault, kernelNameVerdicts, MAX_NAME_LENGTH, SECTION_OK } from '../../src/btf/name-rules.js';
import { longestString, nulCount } from '../../src/btf/string-bounds.js';

/** Every offset of `bytes`: the table's two bits against a scan of the string there. */
function agree(bytes: Uint8Array): number {
  const verdicts = kernelNameVerdicts(bytes);
  let ok = 0;
  for (let i = 0; i < bytes.length; i++) {
    const ident = kernelNameFault(bytes, i, false) === undefined;
    const section = kernelNameFault(bytes, i, true) === undefined;
    assert.equal(((verdicts[i] as number) & IDENTIFIER_OK) !== 0, ident, `identifier at ${i}`);
    assert.equal(((verdicts[i] as number) & SECTION_OK) !== 0, section, `section name at ${i}`);
    if (ident) ok++;
  }
  return ok;
}

test('verdicts agree with the scan on names at the edges of each rule', () => {
  const enc = new TextEncoder();
  const parts = [
    '',
    'task_struct',
    '.bss',
    'a.b',
    '1ab',
    'a-b',
    'a b',
    '.data..percpu',
    'x'.repeat(MAX_NAME_LENGTH),
    'y'.repeat(MAX_NAME_LENGTH + 1),
    `${'z'.repeat(MAX_NAME_LENGTH)}-`,
    'new\nline',
    'caf\u00e9',
  ];
  const chunks: number[] = [0];
  for (const p of parts) chunks.push(...enc.encode(p), 0);
  // Latin-1 bytes the kernel's ctype takes as letters (0xc0-0xff but 0xd7, 0xf7) or only prints.
  chunks.push(0x61, 0xc0, 0xff, 0, 0x61, 0xd7, 0, 0xa0, 0x61, 0, 0x7f, 0);
  const bytes = Uint8Array.from(chunks);
  assert.ok(agree(bytes) > 0);
});

test('verdicts agree with the scan at every offset of vmlinux strings', {
  skip: !existsSync('/sys/kernel/btf/vmlinux') && 'needs /sys/kernel/btf/vmlinux',
}, () => {
  const spec = loadSpec(readFileSync('/sys/kernel/btf/vmlinux'));
  // Every offset, not only string starts: a name may point into the middle of a string.
  const bytes = spec.strings.bytes.subarray(0, 400_000);
  assert.ok(agree(bytes) > 10_000);
});

test('the verdict pass records the longest string and the NUL count string-bounds would measure', () => {
  const cases = [
    Uint8Array.from([0, 0x61, 0x62, 0, 0x63, 0]),
    // The last string unterminated, and longer than every terminated one.
    Uint8Array.from([0, 0x61, 0, 0x61, 0x62, 0x63]),
    // The first string unterminated at the front (no NUL at offset 0), and no NUL at all.
    Uint8Array.from([0x61, 0x62, 0x63, 0x64, 0, 0x61, 0]),
    Uint8Array.from([0x61, 0x62]),
    new Uint8Array(0),
  ];
  if (existsSync('/sys/kernel/btf/vmlinux')) cases.push(loadSpec(readFileSync('/sys/kernel/btf/vmlinux')).strings.bytes.slice());
  for (const bytes of cases) {
    let nuls = 0;
    let longest = 0;
    let run = 0;
    for (const c of bytes) {
      if (c === 0) {
        nuls++;
        run = 0;
      } else longest = Math.max(longest, ++run);
    }
    kernelNameVerdicts(bytes);
    assert.equal(longestString(bytes), longest, `longest of [${bytes.subarray(0, 8)}...]`);
    assert.equal(nulCount(bytes), nuls, `NULs of [${bytes.subarray(0, 8)}...]`);
  }
});
