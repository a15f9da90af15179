/**
 * Validation refuses what the kernel's BTF verifier refuses, class by class: names per kind,
 * vlen, and where members may lie. Every case states what the kernel does (found with
 * BPF_BTF_LOAD on Linux 6.18); as root the running kernel is asked again and must agree, so a
 * kernel that changes its rules shows up here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Builder, formatC, loadSpec, writeRaw } from '../../src/btf/index.js';
import { BtfError, KernelError } from '../../src/errors.js';
import { btfLoad } from '../../src/sys/index.js';
import { collect } from '../fixtures.js';

type Make = (b: Builder, int: number) => void;
interface Case {
  what: string;
  make: Make;
  kernel: 'accepts' | 'refuses';
}

const struct =
  (name: string, member = 'x'): Make =>
  (b, int) => {
    b.addStruct(name, 4, [{ name: member, typeId: int, bitOffset: 0 }]);
  };

const CASES: Case[] = [
  // Identifiers: STRUCT, UNION, ENUM, FWD, TYPEDEF, FUNC, VAR, members, enumerators, params.
  { what: 'struct a-b', make: struct('a-b'), kernel: 'refuses' },
  { what: 'struct "a b"', make: struct('a b'), kernel: 'refuses' },
  { what: 'struct 1ab', make: struct('1ab'), kernel: 'refuses' },
  { what: 'struct with UTF-8', make: struct('a\u00e9'), kernel: 'refuses' },
  { what: 'struct with a newline', make: struct('x { int a; };\n#include "/etc/passwd"\nstruct y'), kernel: 'refuses' },
  { what: 'struct of 513 bytes', make: struct('a'.repeat(513)), kernel: 'refuses' },
  { what: 'struct of 512 bytes', make: struct('a'.repeat(512)), kernel: 'accepts' },
  { what: 'struct a.b', make: struct('a.b'), kernel: 'accepts' },
  { what: 'struct .ab', make: struct('.ab'), kernel: 'accepts' },
  { what: 'member "x y"', make: struct('s', 'x y'), kernel: 'refuses' },
  { what: 'member x.y', make: struct('s', 'x.y'), kernel: 'accepts' },
  {
    what: 'union a-b',
    make: (b, int) => void b.addUnion('a-b', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]),
    kernel: 'refuses',
  },
  { what: 'enumerator A-B', make: (b) => void b.addEnum('e', 4, [{ name: 'A-B', value: 1 }]), kernel: 'refuses' },
  { what: 'enumerator A.B', make: (b) => void b.addEnum('e', 4, [{ name: 'A.B', value: 1 }]), kernel: 'accepts' },
  { what: 'enum64 "e f"', make: (b) => void b.addEnum64('e f', 8, [{ name: 'A', value: 1 }]), kernel: 'refuses' },
  { what: 'typedef "a b"', make: (b, int) => void b.addTypedef('a b', int), kernel: 'refuses' },
  { what: 'fwd 1x', make: (b) => void b.addFwd('1x'), kernel: 'refuses' },
  { what: 'func f-g', make: (b, int) => void b.addFunc('f-g', b.addFuncProto(int)), kernel: 'refuses' },
  { what: 'var "v w"', make: (b, int) => void b.addVar('v w', int), kernel: 'refuses' },
  { what: 'var func.local', make: (b, int) => void b.addVar('func.local', int), kernel: 'accepts' },
  { what: 'param a-b', make: (b, int) => void b.addFuncProto(int, [{ name: 'a-b', typeId: int }]), kernel: 'refuses' },
  // Section names: printable ASCII.
  {
    what: 'datasec ".data x"',
    make: (b, int) => void b.addDatasec('.data x', 4, [{ typeId: b.addVar('v', int, 'global'), offset: 0, size: 4 }]),
    kernel: 'accepts',
  },
  {
    what: 'datasec with a newline',
    make: (b, int) => void b.addDatasec('.data\nx', 4, [{ typeId: b.addVar('v', int, 'global'), offset: 0, size: 4 }]),
    kernel: 'refuses',
  },
  // Not checked by the kernel: INT names, tag values.
  { what: 'int with a newline', make: (b) => void b.addInt('in\nt', 4, 1), kernel: 'accepts' },
  { what: 'type tag with a newline', make: (b, int) => void b.addPtr(b.addTypeTag('x\ny', int)), kernel: 'accepts' },
  // vlen: bits 16-23 of info must be clear.
  {
    what: 'struct of 65,536 members',
    make: (b, int) =>
      void b.addStruct(
        'big',
        65536 * 4,
        Array.from({ length: 65536 }, (_, k) => ({ name: '', typeId: int, bitOffset: k * 32 })),
      ),
    kernel: 'refuses',
  },
  {
    what: 'struct of 65,535 members',
    make: (b, int) =>
      void b.addStruct(
        'big',
        65535 * 4,
        Array.from({ length: 65535 }, (_, k) => ({ name: '', typeId: int, bitOffset: k * 32 })),
      ),
    kernel: 'accepts',
  },
  // Members must lie inside their struct, on a byte boundary unless they are bit-fields.
  {
    what: '8-byte member of a 4-byte struct',
    make: (b) => void b.addStruct('s', 4, [{ name: 'x', typeId: b.addInt('long', 8, 1), bitOffset: 0 }]),
    kernel: 'refuses',
  },
  {
    what: 'int member past the end',
    make: (b, int) => void b.addStruct('s', 8, [{ name: 'x', typeId: int, bitOffset: 40 }]),
    kernel: 'refuses',
  },
  {
    what: 'array member past the end',
    make: (b, int) => void b.addStruct('s', 8, [{ name: 'x', typeId: b.addArray(int, int, 3), bitOffset: 0 }]),
    kernel: 'refuses',
  },
  {
    what: 'array of arrays that fits',
    make: (b, int) =>
      void b.addStruct('s', 24, [{ name: 'x', typeId: b.addArray(b.addArray(int, int, 3), int, 2), bitOffset: 0 }]),
    kernel: 'accepts',
  },
  {
    what: 'struct member past the end, through a typedef',
    make: (b, int) => {
      const inner = b.addStruct('in', 8, [{ name: 'a', typeId: int, bitOffset: 0 }]);
      b.addStruct('s', 12, [{ name: 'x', typeId: b.addTypedef('in_t', inner), bitOffset: 64 }]);
    },
    kernel: 'refuses',
  },
  {
    what: 'enum member past the end',
    make: (b) => void b.addStruct('s', 4, [{ name: 'x', typeId: b.addEnum('e', 8, [{ name: 'A', value: 1 }]), bitOffset: 0 }]),
    kernel: 'refuses',
  },
  {
    what: 'pointer at bit 4',
    make: (b, int) => void b.addStruct('s', 16, [{ name: 'x', typeId: b.addPtr(int), bitOffset: 4 }]),
    kernel: 'refuses',
  },
  {
    what: 'pointer in a 4-byte struct',
    make: (b, int) => void b.addStruct('s', 4, [{ name: 'x', typeId: b.addPtr(int), bitOffset: 0 }]),
    kernel: 'refuses',
  },
  {
    what: 'forward declaration by value',
    make: (b) => void b.addStruct('s', 16, [{ name: 'x', typeId: b.addFwd('f'), bitOffset: 0 }]),
    kernel: 'refuses',
  },
  {
    what: 'zero-length array in an empty struct',
    make: (b, int) => void b.addStruct('s', 0, [{ name: 'x', typeId: b.addArray(int, int, 0), bitOffset: 0 }]),
    kernel: 'accepts',
  },
  {
    what: 'bit-field wider than its int',
    make: (b, int) => void b.addStruct('s', 8, [{ name: 'x', typeId: int, bitOffset: 0, bitfieldSize: 33 }]),
    kernel: 'refuses',
  },
  {
    what: 'bit-field crossing the end',
    make: (b, int) => void b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 28, bitfieldSize: 8 }]),
    kernel: 'refuses',
  },
  {
    what: 'bit-field at the end',
    make: (b, int) => void b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 28, bitfieldSize: 4 }]),
    kernel: 'accepts',
  },
  {
    what: 'bit-field of a pointer',
    make: (b, int) => void b.addStruct('s', 8, [{ name: 'x', typeId: b.addPtr(int), bitOffset: 0, bitfieldSize: 4 }]),
    kernel: 'refuses',
  },
];

function build(make: Make): Uint8Array {
  const b = new Builder();
  make(b, b.addInt('int', 4, 1));
  return b.marshal();
}

function ourVerdict(bytes: Uint8Array): 'accepts' | 'refuses' {
  try {
    loadSpec(bytes).validate();
    return 'accepts';
  } catch (err) {
    assert.ok(err instanceof BtfError, String(err));
    return 'refuses';
  }
}

function kernelSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for BPF_BTF_LOAD';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'needs a kernel with BTF';
  return false;
}

describe('validation is as strict as the kernel', () => {
  for (const c of CASES) {
    test(`${c.what}: the kernel ${c.kernel.slice(0, -1)}, and so does validation`, () => {
      assert.equal(ourVerdict(build(c.make)), c.kernel);
    });
  }

  test('the running kernel agrees with every case', { skip: kernelSkip() }, () => {
    for (const c of CASES) {
      let verdict: 'accepts' | 'refuses' = 'accepts';
      try {
        btfLoad(build(c.make)).close();
      } catch (err) {
        assert.ok(err instanceof KernelError, String(err));
        verdict = 'refuses';
      }
      assert.equal(verdict, c.kernel, c.what);
    }
  });

  test('a 24-bit vlen passes when the caller allows it', async () => {
    const { validateSpec } = await import('../../src/btf/validate.js');
    const { MAX_VLEN } = await import('../../src/btf/kinds.js');
    const big = CASES.find((c) => c.what === 'struct of 65,536 members')!;
    const spec = loadSpec(build(big.make));
    assert.throws(() => validateSpec(spec), /vlen 65536 is over the limit of 65535/);
    validateSpec(spec, { maxVlen: MAX_VLEN });
  });
});

describe('names the kernel does not check never forge output', () => {
  const FORGED_INT = "i\n[99] INT 'forged' size=4 bits_offset=0 nr_bits=32 encoding=(none)\n";
  const INJECTED = 'x { int a; };\n#include "/etc/passwd"\nstruct y';

  test('the raw dump escapes control bytes of an INT name, as given or kernel-verified', () => {
    const bytes = build((b) => void b.addInt(FORGED_INT, 4));
    for (const spec of [loadSpec(bytes), loadSpec(bytes, { kernelVerified: true })]) {
      const text = collect((w) => writeRaw(spec, w)).toString('latin1');
      assert.equal(text.split('\n').length, 3, text);
      assert.ok(text.includes("'i\\x0a[99] INT 'forged'"), text);
      assert.ok(!text.includes('\n[99]'));
    }
  });

  test('format c refuses names that are not C of a kernel-verified spec', () => {
    const cases: Make[] = [
      struct(INJECTED),
      struct('s', 'a;\n#include "x"\nint b'),
      (b) => void b.addStruct('s', 4, [{ name: 'x', typeId: b.addInt('int;\n#define X', 4, 1), bitOffset: 0 }]),
      (b) => void b.addEnum('e', 4, [{ name: 'A = 1,\n#include "y"\nB', value: 1 }]),
      (b, int) => void b.addTypedef('t\n#x', int),
    ];
    for (const make of cases) {
      const spec = loadSpec(build(make), { kernelVerified: true });
      assert.throws(
        () => formatC(spec),
        (err) => err instanceof BtfError && /cannot be written in C/.test(err.message),
      );
    }
  });

  test('format c writes a type tag value as an escaped string literal', () => {
    const spec = loadSpec(
      build((b, int) => void b.addTypedef('t', b.addPtr(b.addTypeTag('a")));\n#include "z', int)))),
      { kernelVerified: true },
    );
    const text = formatC(spec);
    assert.ok(text.includes('typedef int __attribute__((btf_type_tag("a\\042)));\\012#include \\042z"))) *t;'), text);
    assert.ok(!/^#include/m.test(text));
  });

  test('messages quote a bad name without its control bytes', () => {
    const spec = loadSpec(build(struct(INJECTED)));
    assert.throws(
      () => spec.validate(),
      (err) => err instanceof BtfError && !err.message.includes('\n') && err.message.includes("'x { int a; };\\x0a#include"),
    );
  });
});
