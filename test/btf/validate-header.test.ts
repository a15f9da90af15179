/**
 * The blob as a whole: header fields, the sections' layout, the string section and the type
 * section's framing. Each case breaks one rule of the kernel's btf_parse_hdr,
 * btf_check_sec_info, btf_parse_str_sec or btf_check_all_metas; opening the blob throws a
 * {@link BtfRuleError} of level `format` naming the rule and the offset of the faulty field
 * (and the type, where a record is at fault), and, as root, the running kernel's BPF_BTF_LOAD
 * refuses the same blob with the log line recorded here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BTF_RULES, type BtfRuleId, Builder, loadSpec } from '../../src/btf/index.js';
import { BtfRuleError, KernelError } from '../../src/errors.js';
import { btfLoad } from '../../src/sys/index.js';

/** `int` (ID 1) and `struct s { int a; }` (ID 2): 40 bytes of types, strings "\0int\0s\0a\0". */
function valid(): Uint8Array {
  const b = new Builder();
  const int = b.addInt('int', 4, 1);
  b.addStruct('s', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
  return b.marshal();
}

/** The parts of {@link valid}: header fields, type bytes, string bytes. */
function parts(): { types: Uint8Array; strings: Uint8Array } {
  const bytes = valid();
  const v = new DataView(bytes.buffer);
  const t = 24 + v.getUint32(8, true);
  const s = 24 + v.getUint32(16, true);
  return {
    types: bytes.slice(t, t + v.getUint32(12, true)),
    strings: bytes.slice(s, s + v.getUint32(20, true)),
  };
}

interface Layout {
  hdrLen?: number;
  /** Bytes written after the 24-byte header (inside a longer header). */
  headerTail?: number[];
  types?: Uint8Array;
  strings?: Uint8Array;
  stringsFirst?: boolean;
  /** Header fields set after layout, relative to the end of the header. */
  typeOff?: number;
  typeLen?: number;
  strOff?: number;
  strLen?: number;
  magic?: number;
  version?: number;
  flags?: number;
}

/** A little-endian blob with its sections laid out back to back, then fields overridden. */
function blob(o: Layout = {}): Uint8Array {
  const p = parts();
  const types = o.types ?? p.types;
  const strings = o.strings ?? p.strings;
  const hdrLen = o.hdrLen ?? 24;
  const head = Math.max(hdrLen, 24);
  const out = new Uint8Array(head + types.length + strings.length);
  const v = new DataView(out.buffer);
  const [first, second] = o.stringsFirst ? [strings, types] : [types, strings];
  out.set(first, head);
  out.set(second, head + first.length);
  v.setUint16(0, o.magic ?? 0xeb9f, true);
  v.setUint8(2, o.version ?? 1);
  v.setUint8(3, o.flags ?? 0);
  v.setUint32(4, hdrLen, true);
  v.setUint32(8, o.typeOff ?? (o.stringsFirst ? strings.length : 0), true);
  v.setUint32(12, o.typeLen ?? types.length, true);
  v.setUint32(16, o.strOff ?? (o.stringsFirst ? 0 : types.length), true);
  v.setUint32(20, o.strLen ?? strings.length, true);
  o.headerTail?.forEach((b, i) => void v.setUint8(24 + i, b));
  return out;
}

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface HeaderCase {
  what: string;
  make: () => Uint8Array;
  rule: BtfRuleId;
  offset: number;
  typeId?: number;
  /** What the kernel's last log line contains (Linux 6.18 as root). */
  kernel: string;
}

const CASES: HeaderCase[] = [
  { what: 'a 4-byte blob', make: () => bytes(0x9f, 0xeb, 1, 0), rule: 'header-short', offset: 0, kernel: 'hdr_len not found' },
  { what: 'a bad magic', make: () => blob({ magic: 0xeb9e }), rule: 'header-magic', offset: 0, kernel: 'Invalid magic' },
  { what: 'version 2', make: () => blob({ version: 2 }), rule: 'header-version', offset: 2, kernel: 'Unsupported version' },
  { what: 'a flag set', make: () => blob({ flags: 1 }), rule: 'header-flags', offset: 3, kernel: 'Unsupported flags' },
  {
    what: 'hdr_len past the blob',
    make: () => {
      const b = blob();
      new DataView(b.buffer).setUint32(4, b.length + 4, true);
      return b;
    },
    rule: 'header-length',
    offset: 4,
    kernel: 'btf_header not found',
  },
  {
    what: 'a 40-byte header with byte 36 set',
    make: () => blob({ hdrLen: 40, headerTail: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }),
    rule: 'header-unknown',
    offset: 36,
    kernel: 'Unsupported btf_header',
  },
  {
    what: 'the string section starting past the payload',
    make: () => blob({ strOff: 1000, strLen: 0 }),
    rule: 'section-offset',
    offset: 16,
    kernel: 'Invalid section offset',
  },
  {
    what: 'the string section 4 bytes longer than the payload holds',
    make: () => blob({ strLen: parts().strings.length + 4 }),
    rule: 'section-length',
    offset: 20,
    kernel: 'Total section length too long',
  },
  {
    what: 'the string section inside the type section',
    make: () => blob({ strOff: 4, strLen: 8 }),
    rule: 'section-overlap',
    offset: 8,
    kernel: 'Section overlap found',
  },
  {
    what: 'an empty type section at an odd offset, after 5 bytes of strings',
    make: () => blob({ stringsFirst: true, types: new Uint8Array(0), strings: bytes(0, 0x69, 0x6e, 0x74, 0) }),
    rule: 'type-section-align',
    offset: 8,
    kernel: 'Unaligned type_off',
  },
  {
    what: 'a type section of 41 bytes (a stray byte after the last record)',
    make: () => {
      const p = parts();
      const types = new Uint8Array(p.types.length + 1);
      types.set(p.types);
      return blob({ types });
    },
    rule: 'record-truncated',
    offset: 12,
    kernel: 'meta_left:1 meta_needed:12',
  },
  {
    what: 'a struct whose member lies past the type section',
    make: () => blob({ types: parts().types.slice(0, 16 + 12) }),
    rule: 'record-truncated',
    typeId: 2,
    offset: 24 + 16,
    kernel: 'meta_left:0 meta_needed:12',
  },
  {
    what: 'a record of kind 31',
    make: () => {
      const b = blob();
      new DataView(b.buffer).setUint32(24 + 16 + 4, (31 << 24) | 1, true);
      return b;
    },
    rule: 'kind-unknown',
    typeId: 2,
    offset: 24 + 16 + 4,
    kernel: 'Invalid kind:31',
  },
  {
    what: 'an empty string section',
    make: () => blob({ strings: new Uint8Array(0) }),
    rule: 'string-section-empty',
    offset: 24 + 40,
    kernel: 'Invalid string section',
  },
  {
    what: 'a string section not starting with NUL',
    make: () => blob({ strings: ascii('xint\0s\0a\0') }),
    rule: 'string-section-start',
    offset: 24 + 40,
    kernel: 'Invalid string section',
  },
  {
    what: 'a string section not ending with NUL',
    make: () => blob({ strings: ascii('\0int\0s\0a') }),
    rule: 'string-section-end',
    offset: 24 + 40 + 7,
    kernel: 'Invalid string section',
  },
];

function kernelSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for BPF_BTF_LOAD';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'needs a kernel with BTF';
  return false;
}

describe("the blob as a whole: header, sections, string section, the type section's framing", () => {
  test('the unbroken blob opens and the kernel loads it', { skip: kernelSkip() }, () => {
    loadSpec(blob()).validate();
    btfLoad(blob()).close();
  });

  for (const c of CASES) {
    test(`${c.what}: format refuses it (${c.rule})`, () => {
      let got: unknown;
      try {
        loadSpec(c.make());
      } catch (err) {
        got = err;
      }
      assert.ok(got instanceof BtfRuleError, `not a BtfRuleError: ${String(got)}`);
      assert.equal(got.rule, c.rule, got.message);
      assert.equal(got.level, 'format');
      assert.equal(BTF_RULES[c.rule].level, 'format');
      assert.equal(got.offset, c.offset, got.message);
      assert.equal(got.typeId, c.typeId, got.message);
      const lead = c.typeId !== undefined ? `type [${c.typeId}] at offset ${c.offset}: ` : `offset ${c.offset}: `;
      assert.ok(got.message.startsWith(lead), got.message);
      const k = BTF_RULES[c.rule].kernel;
      if (k !== undefined) assert.ok(got.message.includes(`(kernel: "${k}")`), got.message);
    });
  }

  test('the running kernel refuses each blob with the recorded log line', { skip: kernelSkip() }, () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      try {
        btfLoad(c.make(), { logLevel: 1 }).close();
        wrong.push(`${c.what}: loaded`);
      } catch (err) {
        assert.ok(err instanceof KernelError, String(err));
        const lines = (err.log ?? '').trim().split('\n');
        const last = lines[lines.length - 1] ?? '';
        if (!last.includes(c.kernel)) wrong.push(`${c.what}: kernel says ${JSON.stringify(last)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
