/**
 * The error classes: one-line kernel errors that keep the whole log, and context added by
 * wrapping (cause and fields), never by rewriting a message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSpec } from '../src/btf/spec.js';
import { parseElf } from '../src/elf/file.js';
import { BtfError, ElfError, inObject, KernelError, lastLogLine, NotFoundError, TsbpfError } from '../src/errors.js';

// A verifier log as the kernel writes it for a program that reads through a scalar.
const VERIFIER_LOG = `func#0 @0
0: R1=ctx(off=0,imm=0) R10=fp0
0: (79) r1 = *(u64 *)(r1 +0)
1: R1_w=scalar()
1: (61) r0 = *(u32 *)(r1 +0)
R1 invalid mem access 'scalar'
processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

`;

test('lastLogLine passes over blank lines and the verifier statistics', () => {
  assert.equal(lastLogLine(VERIFIER_LOG), "R1 invalid mem access 'scalar'");
  assert.equal(
    lastLogLine('[5] STRUCT s size=4 vlen=1\n\tm type_id=9 bits_offset=0 Invalid member\n'),
    'm type_id=9 bits_offset=0 Invalid member',
  );
  assert.equal(lastLogLine('processed 1 insns (limit 1000000)\n'), 'processed 1 insns (limit 1000000)', 'nothing better');
  assert.equal(lastLogLine(''), undefined);
  assert.equal(lastLogLine('\n\n'), undefined);
  assert.equal(lastLogLine(undefined), undefined);
});

test('KernelError: one line naming the object and the log’s last meaningful line; the whole log kept', () => {
  const e = new KernelError('BPF_PROG_LOAD', 13, 'EACCES', 'the verifier rejected the program', {
    object: 'program handle_exec',
    log: VERIFIER_LOG,
  });
  assert.equal(
    e.message,
    "program handle_exec: BPF_PROG_LOAD: EACCES (errno 13): the verifier rejected the program: R1 invalid mem access 'scalar'",
  );
  assert.equal(e.log, VERIFIER_LOG);
  assert.equal(e.object, 'program handle_exec');
  assert.equal(e.detail, 'the verifier rejected the program');
  // The older form: the log as the fifth argument.
  const old = new KernelError('BPF_BTF_LOAD', 22, 'EINVAL', 'rejected', 'magic\nInvalid magic\n');
  assert.equal(old.message, 'BPF_BTF_LOAD: EINVAL (errno 22): rejected: Invalid magic');
  assert.equal(old.object, undefined);
  assert.equal(
    new KernelError('BPF_BTF_GET_NEXT_ID', 1, 'EPERM', 'not permitted').message,
    'BPF_BTF_GET_NEXT_ID: EPERM (errno 1): not permitted',
  );
});

test('inObject wraps a parser error: same class and coordinates, the object leading, the original as cause', () => {
  let parsed: unknown;
  try {
    loadSpec(new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0]));
  } catch (err) {
    parsed = err;
  }
  assert.ok(parsed instanceof BtfError, String(parsed));
  const message = parsed.message;
  const wrapped = inObject(inObject(parsed, '/tmp/veth'), 'module veth');
  assert.ok(wrapped instanceof BtfError);
  assert.equal(parsed.message, message, 'the original is untouched');
  assert.equal(wrapped.message, `module veth: /tmp/veth: ${message}`);
  assert.equal(wrapped.object, 'module veth: /tmp/veth');
  assert.equal(wrapped.typeId, parsed.typeId);
  assert.equal(wrapped.offset, parsed.offset);
  assert.equal((wrapped.cause as BtfError).cause, parsed);

  let elf: unknown;
  try {
    parseElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  } catch (err) {
    elf = err;
  }
  assert.ok(elf instanceof ElfError, String(elf));
  const e2 = inObject(elf, 'veth.ko');
  assert.ok(e2 instanceof ElfError);
  assert.equal(e2.message, `veth.ko: ${elf.message}`);
  assert.equal(e2.cause, elf);

  const k = inObject(new KernelError('BPF_BTF_GET_FD_BY_ID', 2, 'ENOENT', 'gone', { log: 'x\n' }), 'BTF object 7');
  assert.ok(k instanceof KernelError);
  assert.equal(k.errno, 2);
  assert.equal(k.log, 'x\n');
  assert.equal(k.message, 'BTF object 7: BPF_BTF_GET_FD_BY_ID: ENOENT (errno 2): gone: x');

  const plain = inObject(new TsbpfError('file shrank'), '/tmp/f');
  assert.ok(plain instanceof TsbpfError);
  assert.equal(plain.message, '/tmp/f: file shrank');
  // Other classes say what they are about; they are passed through.
  const nf = new NotFoundError('module veth: gone');
  assert.equal(inObject(nf, 'x'), nf);
  const range = new RangeError('offset');
  assert.equal(inObject(range, 'x'), range);
});
