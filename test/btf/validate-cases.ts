/**
 * The smallest blob breaking each rule of the kernel's BTF verifier, with the level and rule
 * validation names and the line the kernel's log ends with (Linux 6.18 as root); blobs the kernel
 * takes are marked so.
 */
import { type BtfRuleId, Builder, Kind } from '../../src/btf/index.js';
import { info, nameOffset, patchName, patchWord, relayout, withInt } from './validate-blobs.js';

export interface Refused {
  level: 'format' | 'loadable';
  rule: BtfRuleId;
  /** The type the error names; `undefined` for faults of the blob's layout. */
  typeId: number | undefined;
  /** The end of the kernel's last log line. */
  kernel: string;
}
export interface Case {
  what: string;
  make: () => Uint8Array;
  expect: Refused | 'accepts';
}

/** Builds on a Builder holding `int` as type 1. */
export const built =
  (add: (b: Builder, int: number) => void): (() => Uint8Array) =>
  () => {
    const { b, int } = withInt();
    add(b, int);
    return b.marshal();
  };

const refuse = (level: Refused['level'], rule: BtfRuleId, typeId: number | undefined, kernel: string): Refused => ({
  level,
  rule,
  typeId,
  kernel,
});

/** A chain of `n` types, each pointing at the next (higher) ID, the last at int. */
const forward = (n: number, add: (b: Builder, next: number, k: number) => void) =>
  built((b, int) => {
    for (let k = 0; k < n; k++) add(b, k === n - 1 ? int : 2 + k + 1, k);
  });

/**
 * Type 2 is a typedef into the middle of a chain of `n` modifiers (types 3 to n + 2, each naming
 * the next, the last naming int): resolving it first resolves the chain's back half, so no
 * resolve walk of the chain is longer than 32 and only the chain check counts all `n`.
 * `mixed` cycles through const, volatile, restrict and typedef instead of typedefs only.
 */
function chainAfterShortcut(n: number, mixed = false): () => Uint8Array {
  return built((b, int) => {
    b.addTypedef('head', 3 + Math.floor(n / 2));
    for (let k = 0; k < n; k++) {
      const next = k === n - 1 ? int : 3 + k + 1;
      const pick = mixed ? k % 4 : 3;
      if (pick === 0) b.addConst(next);
      else if (pick === 1) b.addVolatile(next);
      else if (pick === 2) b.addRestrict(next);
      else b.addTypedef(`t${k}`, next);
    }
  });
}

export const CASES: Case[] = [
  // INT: any size that holds its bits.
  { what: 'an INT of 3 bytes', make: built((b) => void b.addInt('i24', 3, 0, 24)), expect: 'accepts' },
  { what: 'an INT of 0 bits', make: built((b) => void b.addInt('z', 4, 0, 0)), expect: 'accepts' },
  { what: 'an INT of 32 bytes and 128 bits', make: built((b) => void b.addInt('w', 32, 0, 128)), expect: 'accepts' },
  {
    what: 'an INT of 129 bits',
    make: built((b) => void b.addInt('w', 32, 0, 129)),
    expect: refuse('format', 'int-too-wide', 2, 'nr_bits exceeds 128'),
  },
  {
    what: 'an INT of 33 bits in 4 bytes',
    make: built((b) => void b.addInt('w', 4, 0, 33)),
    expect: refuse('format', 'int-bits', 2, 'nr_bits exceeds type_size'),
  },
  {
    what: 'a 3-byte INT as a member and as a VAR',
    make: built((b) => {
      const odd = b.addInt('i24', 3, 0, 24);
      b.addStruct('s', 4, [{ name: 'a', typeId: odd, bitOffset: 0 }]);
      b.addVar('v', odd);
    }),
    expect: 'accepts',
  },
  {
    what: 'an array of 24-bit INTs',
    make: built((b, int) => void b.addArray(b.addInt('i24', 4, 0, 24), int, 2)),
    expect: refuse('format', 'array-of-int', 3, 'Invalid array of int'),
  },
  { what: 'an anonymous FLOAT', make: built((b) => void b.addFloat('', 4)), expect: 'accepts' },
  {
    what: 'an ENUM of 3 bytes',
    make: built((b) => void b.addEnum('e', 3, [{ name: 'A', value: 1 }])),
    expect: refuse('format', 'enum-size', 2, 'Unexpected size'),
  },
  // VAR: a sized type.
  {
    what: 'a VAR of const void',
    make: built((b) => void b.addVar('v', b.addConst(0))),
    expect: refuse('format', 'var-type', 3, 'Invalid type_id'),
  },
  {
    what: 'a VAR of a VAR',
    make: built((b, int) => void b.addVar('w', b.addVar('v', int))),
    expect: refuse('format', 'var-type', 3, 'Invalid type_id'),
  },
  {
    what: 'a VAR of a forward declaration',
    make: built((b) => void b.addVar('v', b.addFwd('f'))),
    expect: refuse('format', 'var-type', 3, 'Invalid type_id'),
  },
  {
    what: 'a VAR of a function',
    make: built((b, int) => void b.addVar('v', b.addFunc('f', b.addFuncProto(int)))),
    expect: refuse('format', 'var-type', 4, 'Invalid type_id'),
  },
  // Pointers and modifiers.
  {
    what: 'a CONST of a VAR',
    make: built((b, int) => void b.addConst(b.addVar('v', int))),
    expect: refuse('format', 'ref-target', 3, 'Invalid type_id'),
  },
  {
    what: 'a PTR to a VAR',
    make: built((b, int) => void b.addPtr(b.addVar('v', int))),
    expect: refuse('format', 'ref-target', 3, 'Invalid type_id'),
  },
  {
    what: 'a TYPEDEF of a DECL_TAG',
    make: built((b, int) => void b.addTypedef('u', b.addDeclTag('t', b.addTypedef('t', int)))),
    expect: refuse('format', 'ref-target', 4, 'Invalid type_id'),
  },
  {
    what: 'a CONST of a FUNC and a PTR to it',
    make: built((b, int) => void b.addPtr(b.addConst(b.addFunc('f', b.addFuncProto(int))))),
    expect: 'accepts',
  },
  // Arrays.
  {
    what: 'an array of const void',
    make: built((b, int) => void b.addArray(b.addConst(0), int, 2)),
    expect: refuse('format', 'array-elem', 3, 'Invalid elem'),
  },
  {
    what: 'an array of a forward declaration',
    make: built((b, int) => void b.addArray(b.addFwd('f'), int, 2)),
    expect: refuse('format', 'array-elem', 3, 'Invalid elem'),
  },
  {
    what: 'an array indexed by a struct',
    make: built((b, int) => void b.addArray(int, b.addStruct('s', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]), 1)),
    expect: refuse('format', 'array-index', 3, 'Invalid index'),
  },
  {
    what: 'an array indexed by a 24-bit INT',
    make: built((b, int) => void b.addArray(int, b.addInt('i24', 4, 0, 24), 1)),
    expect: refuse('format', 'array-index', 3, 'Invalid index'),
  },
  {
    what: 'an array of 2^30 INTs',
    make: built((b, int) => void b.addArray(int, int, 0x40000000)),
    expect: refuse('format', 'array-overflow', 2, 'Array size overflows U32_MAX'),
  },
  { what: 'an array of 2^30 - 1 INTs', make: built((b, int) => void b.addArray(int, int, 0x3fffffff)), expect: 'accepts' },
  // Struct and union members.
  {
    what: 'members going backwards',
    make: built(
      (b, int) =>
        void b.addStruct('s', 8, [
          { name: 'a', typeId: int, bitOffset: 32 },
          { name: 'b', typeId: int, bitOffset: 0 },
        ]),
    ),
    expect: refuse('format', 'member-offset-order', 2, 'Invalid member bits_offset'),
  },
  {
    what: 'a member starting past the struct',
    make: built((b, int) => void b.addStruct('s', 4, [{ name: 'a', typeId: b.addArray(int, int, 0), bitOffset: 64 }])),
    expect: refuse('format', 'member-offset-past-end', 3, 'Member bits_offset exceeds its struct size'),
  },
  {
    what: 'a union member at bit 32',
    make: built((b, int) => void b.addUnion('u', 8, [{ name: 'a', typeId: int, bitOffset: 32 }])),
    expect: refuse('format', 'union-member-offset', 2, 'Invalid member bits_offset'),
  },
  {
    what: 'a member of const void',
    make: built((b) => void b.addStruct('s', 8, [{ name: 'a', typeId: b.addConst(0), bitOffset: 0 }])),
    expect: refuse('format', 'member-type', 3, 'Invalid member'),
  },
  {
    what: 'a member past the end',
    make: built((b, int) => void b.addStruct('s', 8, [{ name: 'x', typeId: int, bitOffset: 40 }])),
    expect: refuse('format', 'member-exceeds', 2, 'Member exceeds struct_size'),
  },
  {
    what: 'a struct containing itself through another',
    make: built((b, int) => {
      b.addStruct('s', 4, [{ name: 'a', typeId: 3, bitOffset: 0 }]);
      b.addStruct('t', 4, [{ name: 'b', typeId: 2, bitOffset: 0 }]);
      void int;
    }),
    expect: refuse('format', 'loop', 2, 'Loop detected'),
  },
  // Function prototypes, functions and tags.
  {
    what: 'a prototype returning a prototype',
    make: built((b, int) => void b.addFuncProto(b.addFuncProto(int))),
    expect: refuse('format', 'proto-return', 3, 'Invalid return type'),
  },
  {
    what: 'a prototype returning const void',
    make: built((b) => void b.addFuncProto(b.addConst(0))),
    expect: refuse('format', 'proto-return', 3, 'Invalid return type'),
  },
  {
    what: 'a prototype taking a forward declaration by value',
    make: built((b, int) => void b.addFuncProto(int, [{ name: 'a', typeId: b.addFwd('s') }])),
    expect: refuse('format', 'proto-arg', 3, 'Invalid arg#1'),
  },
  {
    what: 'a prototype taking a VAR',
    make: built((b, int) => void b.addFuncProto(int, [{ name: 'a', typeId: b.addVar('v', int) }])),
    expect: refuse('format', 'proto-arg', 3, 'Invalid arg#1'),
  },
  {
    what: 'a prototype with an unnamed parameter, without a FUNC',
    make: built((b, int) => void b.addFuncProto(int, [{ name: '', typeId: int }])),
    expect: 'accepts',
  },
  {
    what: 'a FUNC of an INT',
    make: built((b, int) => void b.addFunc('f', int)),
    expect: refuse('format', 'func-proto', 2, 'Invalid type_id'),
  },
  {
    what: 'a DECL_TAG on an INT',
    make: built((b, int) => void b.addDeclTag('t', int)),
    expect: refuse('format', 'decl-tag-target', 2, 'Invalid type_id'),
  },
  {
    what: 'a DECL_TAG on member 0 of a TYPEDEF',
    make: built((b, int) => void b.addDeclTag('t', b.addTypedef('td', int), 0)),
    expect: refuse('format', 'decl-tag-component', 3, 'Invalid component_idx'),
  },
  {
    what: 'a DECL_TAG with kind_flag on a struct member',
    make: () => {
      const bytes = built(
        (b, int) => void b.addDeclTag('t', b.addStruct('s', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]), 0),
      )();
      return patchWord(bytes, 3, 1, info(Kind.DeclTag, 0, true));
    },
    expect: 'accepts',
  },
  {
    what: 'a TYPE_TAG with kind_flag',
    make: () => patchWord(built((b, int) => void b.addPtr(b.addTypeTag('t', int)))(), 2, 1, info(Kind.TypeTag, 0, true)),
    expect: 'accepts',
  },
  // DATASEC with a size: entries in order, apart, inside, as large as their variables.
  {
    what: 'section entries out of order',
    make: built((b, int) => {
      const v = b.addVar('v', int);
      const w = b.addVar('w', int);
      b.addDatasec('.data', 8, [
        { typeId: w, offset: 4, size: 4 },
        { typeId: v, offset: 0, size: 4 },
      ]);
    }),
    expect: refuse('format', 'datasec-entry-offset', 4, 'Invalid offset'),
  },
  {
    what: 'overlapping section entries',
    make: built((b, int) => {
      const v = b.addVar('v', int);
      const w = b.addVar('w', int);
      b.addDatasec('.data', 8, [
        { typeId: v, offset: 0, size: 4 },
        { typeId: w, offset: 2, size: 4 },
      ]);
    }),
    expect: refuse('format', 'datasec-entry-offset', 4, 'Invalid offset'),
  },
  {
    what: 'a section entry of size 0',
    make: built((b, int) => void b.addDatasec('.data', 4, [{ typeId: b.addVar('v', int), offset: 0, size: 0 }])),
    expect: refuse('format', 'datasec-entry-size', 3, 'Invalid size'),
  },
  {
    what: 'a section entry smaller than its variable',
    make: built((b, int) => void b.addDatasec('.data', 4, [{ typeId: b.addVar('v', int), offset: 0, size: 2 }])),
    expect: refuse('format', 'datasec-entry-size', 3, 'Invalid size'),
  },
  {
    what: 'a section entry larger than its variable',
    make: built((b, int) => void b.addDatasec('.data', 8, [{ typeId: b.addVar('v', int), offset: 0, size: 8 }])),
    expect: 'accepts',
  },
  {
    what: 'a section entry ending past the section',
    make: built((b, int) => void b.addDatasec('.data', 6, [{ typeId: b.addVar('v', int), offset: 4, size: 4 }])),
    expect: refuse('format', 'datasec-entry-end', 3, 'Invalid offset+size'),
  },
  {
    what: 'a section entry that is an INT',
    make: built((b, int) => void b.addDatasec('.data', 4, [{ typeId: int, offset: 0, size: 4 }])),
    expect: refuse('format', 'datasec-entry-kind', 2, 'Not a VAR kind member'),
  },
  { what: 'an empty section', make: built((b) => void b.addDatasec('.data', 4, [])), expect: 'accepts' },
  {
    what: 'a section named ".data x" and one named "?.data"',
    make: built((b, int) => {
      b.addDatasec('.data x', 4, [{ typeId: b.addVar('v', int, 'global'), offset: 0, size: 4 }]);
      b.addDatasec('?.data', 4, [{ typeId: b.addVar('w', int, 'global'), offset: 0, size: 4 }]);
    }),
    expect: 'accepts',
  },
  // What compilers write and loaders fix up: valid files, refused by BPF_BTF_LOAD.
  {
    what: 'a section of size 0',
    make: built((b, int) => void b.addDatasec('.bss', 0, [{ typeId: b.addVar('v', int), offset: 0, size: 4 }])),
    expect: refuse('loadable', 'datasec-size-zero', 3, 'size == 0'),
  },
  {
    what: 'an extern VAR',
    make: built((b, int) => void b.addVar('v', int, 'extern')),
    expect: refuse('loadable', 'var-extern', 2, 'Linkage not supported'),
  },
  {
    what: 'an extern VAR of const void (a typeless ksym)',
    make: built((b) => void b.addVar('init_task', b.addConst(0), 'extern')),
    expect: refuse('loadable', 'var-extern', 3, 'Linkage not supported'),
  },
  {
    what: 'an extern FUNC',
    make: built((b, int) => void b.addFunc('f', b.addFuncProto(int), 'extern')),
    expect: refuse('loadable', 'func-extern', 3, 'Invalid func linkage'),
  },
  {
    what: 'a global FUNC with an unnamed parameter',
    make: built((b, int) => void b.addFunc('f', b.addFuncProto(int, [{ name: '', typeId: int }]), 'global')),
    expect: refuse('loadable', 'func-arg-name', 3, 'Invalid arg#1'),
  },
  {
    what: 'a static FUNC with an unnamed second parameter',
    make: built(
      (b, int) =>
        void b.addFunc(
          'f',
          b.addFuncProto(int, [
            { name: 'a', typeId: int },
            { name: '', typeId: int },
          ]),
        ),
    ),
    expect: refuse('loadable', 'func-arg-name', 3, 'Invalid arg#2'),
  },
  {
    what: 'a FUNC in a section',
    make: built(
      (b, int) => void b.addDatasec('.ksyms', 4, [{ typeId: b.addFunc('f', b.addFuncProto(int)), offset: 0, size: 4 }]),
    ),
    expect: refuse('loadable', 'datasec-func', 4, 'Not a VAR kind member'),
  },
  {
    what: 'a type tag after a CONST',
    make: built((b, int) => void b.addPtr(b.addConst(b.addTypeTag('t', int)))),
    expect: refuse('loadable', 'type-tag-order', 3, "Type tags don't precede modifiers"),
  },
  {
    what: 'a type tag after a TYPEDEF',
    make: built((b, int) => void b.addTypedef('t', b.addTypeTag('t', int))),
    expect: refuse('loadable', 'type-tag-order', 3, "Type tags don't precede modifiers"),
  },
  {
    what: 'a type tag before a CONST',
    make: built((b, int) => void b.addPtr(b.addTypeTag('t', b.addConst(int)))),
    expect: 'accepts',
  },
  {
    what: 'a PTR to a FUNC of a lower ID',
    make: built((b, int) => void b.addPtr(b.addFunc('f', b.addFuncProto(int)))),
    expect: 'accepts',
  },
  {
    what: 'a PTR to a FUNC of a higher ID, not yet resolved when the pointer is',
    make: built((b, int) => {
      b.addPtr(4);
      b.addFunc('f', b.addFuncProto(int));
    }),
    expect: refuse('loadable', 'func-unresolved', 2, 'Invalid type_id'),
  },
  {
    what: 'a 40-bit bit-field of an ENUM64',
    make: built((b, int) => {
      const e = b.addEnum64('e', 8, [{ name: 'A', value: 1 }]);
      b.addStruct('s', 16, [
        { name: 'a', typeId: int, bitOffset: 0, bitfieldSize: 3 },
        { name: 'w', typeId: e, bitOffset: 64, bitfieldSize: 40 },
      ]);
    }),
    expect: refuse('format', 'member-bitfield', 3, 'Invalid member bitfield_size'),
  },
  {
    what: 'an INT whose data word has bits 8-15 set',
    make: () => patchWord(built(() => {})(), 1, 3, 0x01000000 | 0xab00 | 32),
    expect: 'accepts',
  },
  {
    what: 'an INT whose data word has bit 28 set',
    make: () => patchWord(built(() => {})(), 1, 3, 0x10000000 | 32),
    expect: refuse('format', 'int-data', 1, 'Invalid int_data:10000020'),
  },
  {
    what: 'a struct and a member named in Latin-1 letters',
    make: () =>
      patchName(
        patchName(
          built((b, int) => void b.addStruct('sXY', 4, [{ name: 'mZ', typeId: int, bitOffset: 0 }]))(),
          'sXY',
          [0x73, 0xe9, 0xff],
        ),
        'mZ',
        [0xc0, 0x31],
      ),
    expect: 'accepts',
  },
  {
    what: 'a struct named with a Latin-1 multiplication sign',
    make: () =>
      patchName(built((b, int) => void b.addStruct('sX', 4, [{ name: 'm', typeId: int, bitOffset: 0 }]))(), 'sX', [0x73, 0xd7]),
    expect: refuse('format', 'name-identifier', 2, 'Invalid name'),
  },
  {
    what: 'a section named with a C1 control byte',
    make: () =>
      patchName(
        built((b, int) => void b.addDatasec('.dX', 4, [{ typeId: b.addVar('v', int), offset: 0, size: 4 }]))(),
        '.dX',
        [0x2e, 0x64, 0x85],
      ),
    expect: refuse('format', 'name-section', 3, 'Invalid name'),
  },
  {
    what: 'a DECL_TAG whose value offset lands on a NUL',
    make: () => {
      const bytes = built((b) => void b.addDeclTag('tag', b.addTypedef('td', 1)))();
      return patchWord(bytes, 3, 0, nameOffset(bytes, 'tag') + 3);
    },
    expect: refuse('format', 'name-required', 3, 'Invalid value'),
  },
  // The resolve stack: 32 deep at most, counted in the kernel's order.
  {
    what: '33 structs each holding the next',
    make: forward(33, (b, next, k) => void b.addStruct(`s${k}`, 4, [{ name: 'a', typeId: next, bitOffset: 0 }])),
    expect: refuse('loadable', 'resolve-depth', 2, 'Exceeded max resolving depth:32'),
  },
  {
    what: '32 structs each holding the next',
    make: forward(32, (b, next, k) => void b.addStruct(`s${k}`, 4, [{ name: 'a', typeId: next, bitOffset: 0 }])),
    expect: 'accepts',
  },
  {
    what: '33 typedefs each naming the next',
    make: forward(33, (b, next, k) => void b.addTypedef(`t${k}`, next)),
    expect: refuse('loadable', 'resolve-depth', 2, 'Exceeded max resolving depth:32'),
  },
  {
    what: '33 pointers each to the next',
    make: forward(33, (b, next) => void b.addPtr(next)),
    expect: refuse('loadable', 'resolve-depth', 2, 'Exceeded max resolving depth:32'),
  },
  { what: '32 pointers each to the next', make: forward(32, (b, next) => void b.addPtr(next)), expect: 'accepts' },
  {
    what: '40 structs each holding the previous',
    make: built((b, int) => {
      let cur = int;
      for (let k = 0; k < 40; k++) cur = b.addStruct(`s${k}`, 4, [{ name: 'a', typeId: cur, bitOffset: 0 }]);
    }),
    expect: 'accepts',
  },
  // Modifier chains (btf_check_type_tags, after the resolve pass): at most 32 modifiers from any
  // modifier to a type checked before it. The resolve pass refuses a 33-link chain first unless
  // an earlier type resolved its back half, so each blob starts with a typedef into the middle.
  {
    what: 'a chain of 33 typedefs whose back half an earlier typedef resolved',
    make: chainAfterShortcut(33),
    expect: refuse('loadable', 'modifier-chain', 3, 'Max chain length or cycle detected'),
  },
  { what: 'a chain of 32 typedefs whose back half an earlier typedef resolved', make: chainAfterShortcut(32), expect: 'accepts' },
  {
    what: 'a chain of 33 modifiers of every kind whose back half an earlier typedef resolved',
    make: chainAfterShortcut(33, true),
    expect: refuse('loadable', 'modifier-chain', 3, 'Max chain length or cycle detected'),
  },
  // The blob's layout.
  {
    what: 'no types at all',
    make: () => new Builder().marshal(),
    expect: refuse('loadable', 'no-types', undefined, 'No type found'),
  },
  {
    what: 'bytes after the last section',
    make: () => relayout(built(() => {})(), { trailing: 4 }),
    expect: refuse('loadable', 'section-gap', undefined, 'Unsupported section found'),
  },
  {
    what: 'a gap between the sections',
    make: () => relayout(built(() => {})(), { gap: 4 }),
    expect: refuse('loadable', 'section-gap', undefined, 'Unsupported section found'),
  },
  {
    what: 'the string section first',
    make: () => relayout(built(() => {})(), { stringsFirst: true }),
    expect: refuse('loadable', 'string-section-last', undefined, 'String section is not at the end'),
  },
  { what: 'a 32-byte header of zeros', make: () => relayout(built(() => {})(), { headerLength: 32 }), expect: 'accepts' },
];
