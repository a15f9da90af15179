/**
 * Loadability: whether the kernel's BPF_BTF_LOAD takes a blob, decided without the kernel. It is
 * format validity ({@link Spec.validate}) plus the kernel's load-time rules, for one kernel's
 * version where the rules changed ({@link btfKernelRules}):
 *
 * - the blob's layout: native byte order, a classic header (or one whose extra fields are zero),
 *   type and string sections back to back with the string section last, at most 16 MiB, and at
 *   least one type in base BTF;
 * - what compilers write for a loader to fix up: extern VAR and FUNC linkage, FUNCs whose
 *   prototype has unnamed parameters, DATASECs of size 0, FUNCs in a DATASEC (`.ksyms`);
 * - kinds, kind flags and section names newer than the kernel;
 * - the kernel's resolve limits: 32 nested steps, modifier chains of 32 with type tags first.
 *
 * The loader calls {@link validateLoadable} before BPF_BTF_LOAD (or {@link loadabilityFaults} to
 * see everything it must rewrite); every refusal is a {@link BtfRuleError} of level `loadable`
 * naming the type and the rule.
 * @module
 */
import type { BtfRuleError } from '../errors.js';
import { KIND_NAMES, Kind, MAX_TYPE_ID } from './kinds.js';
import { kernelNameFault, quoteName } from './name-rules.js';
import type { Spec } from './spec.js';
import { type BtfKernelRules, btfKernelRules, type KernelRelease } from './validate-kernel.js';
import { checkModifierChains, checkResolveDepth } from './validate-resolve.js';
import { ruleError } from './validate-rules.js';
import { infoKflag, infoKind, infoVlen } from './wire.js';

/** The kernel's BTF_MAX_SIZE: the largest blob BPF_BTF_LOAD takes. */
export const MAX_LOAD_SIZE = 16 * 1024 * 1024;
/** The kernel's BTF_MAX_NAME_OFFSET. */
const MAX_NAME_OFFSET = 0xffffff;
/** BTF_FUNC_EXTERN and BTF_VAR_GLOBAL_EXTERN. */
const EXTERN = 2;

/** Which kernel the blob is meant for. */
export interface LoadableOptions {
  /** The kernel's release (`6.1.0-18-amd64`) or its rules; default: the newest known. */
  kernel?: KernelRelease | string | BtfKernelRules;
  /** The kernel's byte order; default little-endian (x86-64, arm64, riscv64). */
  littleEndian?: boolean;
}

/**
 * Every load-time fault of `spec` (a base spec, or a split spec's own types), in the order the
 * kernel meets them: the blob's layout, then each type's own rules, then (only when no type
 * broke one) the resolve limits. Empty when BPF_BTF_LOAD would take the blob.
 * @throws {BtfRuleError} of level `format` when the spec is not format-valid.
 */
export function loadabilityFaults(spec: Spec, options: LoadableOptions = {}): BtfRuleError[] {
  spec.validate();
  const rules = rulesOf(options.kernel);
  const faults: BtfRuleError[] = [];
  const blob = checkBlob(spec, rules, options.littleEndian ?? true);
  if (blob) return [blob];
  checkTypes(spec, rules, faults);
  if (faults.length > 0) return faults;
  try {
    checkResolveDepth(spec);
    checkModifierChains(spec, rules.typeTagsAfterModifiers);
  } catch (err) {
    faults.push(err as BtfRuleError);
  }
  return faults;
}

/**
 * Refuses what the kernel's BPF_BTF_LOAD would refuse.
 * @throws {BtfRuleError} the first fault: level `format` if the spec is not a valid BTF file,
 * `loadable` if it is one the kernel does not load.
 */
export function validateLoadable(spec: Spec, options: LoadableOptions = {}): void {
  const [first] = loadabilityFaults(spec, options);
  if (first) throw first;
}

function rulesOf(kernel: LoadableOptions['kernel']): BtfKernelRules {
  if (kernel !== undefined && typeof kernel === 'object' && 'kinds' in kernel) return kernel;
  return btfKernelRules(kernel);
}

/** The blob's header and section layout (btf_parse_hdr, btf_check_sec_info, btf_parse_str_sec). */
function checkBlob(spec: Spec, rules: BtfKernelRules, littleEndian: boolean): BtfRuleError | undefined {
  const h = spec.header;
  const size = spec.bytes.byteLength;
  if (h.littleEndian !== littleEndian) {
    return ruleError(
      'byte-order',
      `the blob is ${h.littleEndian ? 'little' : 'big'}-endian, the kernel ${littleEndian ? 'little' : 'big'}-endian`,
      undefined,
      0,
    );
  }
  if (size > MAX_LOAD_SIZE)
    return ruleError('blob-size', `the blob's ${size} bytes exceed the kernel's ${MAX_LOAD_SIZE}`, undefined, 0);
  for (let i = rules.headerSize; i < h.hdrLen; i++) {
    if (spec.bytes[i] !== 0) {
      return ruleError(
        'header-tail',
        `header byte ${i} is set; the kernel knows ${rules.headerSize} bytes of header`,
        undefined,
        i,
      );
    }
  }
  // Offsets relative to the end of the header, as the header stores them.
  const secs = [
    { name: 'type', off: h.typeOff - h.hdrLen, len: h.typeLen },
    { name: 'string', off: h.strOff - h.hdrLen, len: h.strLen },
  ].sort((a, b) => a.off - b.off || a.len - b.len);
  let total = 0;
  for (const s of secs) {
    if (s.off !== total) {
      return ruleError(
        'section-gap',
        `${s.name} section at ${s.off} leaves a gap after byte ${total} of the payload`,
        undefined,
        8,
      );
    }
    total += s.len;
  }
  if (total !== size - h.hdrLen) {
    return ruleError('section-gap', `${size - h.hdrLen - total} bytes follow the last section`, undefined, h.hdrLen + total);
  }
  if (h.strOff + h.strLen !== size)
    return ruleError('string-section-last', 'the string section is not at the end of the blob', undefined, 16);
  if (h.strLen - 1 > MAX_NAME_OFFSET) {
    return ruleError(
      'string-section-size',
      `the string section's ${h.strLen} bytes exceed the kernel's name offsets`,
      undefined,
      20,
    );
  }
  if (spec.base === undefined && spec.section.count === 0)
    return ruleError('no-types', 'the type section is empty', undefined, 12);
  if (spec.nextId - 1 > MAX_TYPE_ID) {
    return ruleError('type-count', `${spec.nextId - 1} types exceed the kernel's ${MAX_TYPE_ID}`, undefined, 12);
  }
  return undefined;
}

/** Each own type's load-time rules. */
function checkTypes(spec: Spec, rules: BtfKernelRules, faults: BtfRuleError[]): void {
  const s = spec.section;
  const strings = spec.strings;
  for (let i = 0; i < s.count; i++) {
    const id = spec.firstId + i;
    const at = s.offset(i);
    const info = s.info(i);
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    const fault = (f: BtfRuleError): void => void faults.push(f);
    if (!rules.kinds.has(kind)) {
      fault(ruleError('kind-unsupported', `${KIND_NAMES[kind] ?? `kind ${kind}`} is newer than the kernel`, id, at + 4));
      continue;
    }
    if (vlen > rules.maxVlen) {
      fault(ruleError('vlen-limit', `vlen ${vlen} is over the kernel's limit of ${rules.maxVlen}`, id, at + 4));
      continue;
    }
    switch (kind) {
      case Kind.Enum:
        if (infoKflag(info) && !rules.signedEnum)
          fault(ruleError('kind-flag-unsupported', 'a signed ENUM (kind_flag) is newer than the kernel', id, at + 4));
        break;
      case Kind.DeclTag:
      case Kind.TypeTag:
        if (infoKflag(info) && !rules.tagKindFlag)
          fault(ruleError('kind-flag-unsupported', 'a tag with kind_flag (an attribute) is newer than the kernel', id, at + 4));
        break;
      case Kind.Var:
        if (s.u32(i, 0) === EXTERN)
          fault(ruleError('var-extern', 'an extern VAR is resolved by the loader, not loaded', id, at + 12));
        break;
      case Kind.Func: {
        if (vlen === EXTERN) {
          fault(ruleError('func-extern', 'an extern FUNC is resolved by the loader, not loaded', id, at + 4));
          break;
        }
        const proto = s.sizeOrType(i);
        const o = spec.specOf(proto)!;
        const p = proto - o.firstId;
        for (let j = 0; j < infoVlen(o.section.info(p)); j++) {
          if (o.section.u32(p, j * 8) === 0 && o.section.u32(p, j * 8 + 4) !== 0) {
            fault(ruleError('func-arg-name', `param ${j} of its prototype [${proto}] has no name`, id, at + 8, j + 1));
            break;
          }
        }
        break;
      }
      case Kind.Datasec: {
        if (s.sizeOrType(i) === 0) {
          fault(ruleError('datasec-size-zero', 'a DATASEC of size 0 is sized by the loader', id, at + 8));
          break;
        }
        if (!rules.printableSectionNames) {
          const loc = strings.locate(s.nameOff(i))!;
          if (kernelNameFault(loc.bytes, loc.start, false) !== undefined) {
            fault(
              ruleError(
                'section-name-identifier',
                `section name ${quoteName(loc.bytes, loc.start)} is not an identifier, which the kernel requires`,
                id,
                at,
              ),
            );
            break;
          }
        }
        for (let j = 0; j < vlen; j++) {
          const vt = s.u32(i, j * 12);
          const owner = spec.specOf(vt)!;
          if (infoKind(owner.section.info(vt - owner.firstId)) === Kind.Func) {
            fault(ruleError('datasec-func', `entry ${j} is FUNC [${vt}]; the kernel takes only VARs`, id, at + 12 + j * 12));
            break;
          }
        }
        break;
      }
      default:
        break;
    }
  }
}
