/**
 * The rules of the kernel's BTF verifier (kernel/bpf/btf.c) that validation enforces, each with
 * a stable identifier, the level that enforces it and the kernel's log wording for it.
 *
 * Two levels:
 * - `format`: what no well-formed BTF file holds. `btf dump`, `merge`, the registry and
 *   {@link Spec.validate} refuse it. A rule is here when the kernel refuses it on every version
 *   and no compiler or pahole writes it.
 * - `loadable`: the format, plus what the kernel's BPF_BTF_LOAD refuses although compilers write
 *   it into ordinary `.o` BTF (extern linkage, sections of size 0, functions in `.ksyms`), limits
 *   of the loader rather than of the format (resolve depth, an empty type section, the section
 *   layout of the blob), and rules that changed between kernel versions.
 * @module
 */
import { BtfRuleError } from '../errors.js';

/** A rule: its level, and the line the kernel's verifier log ends with when it refuses. */
export interface BtfRule {
  /** `format`: no well-formed BTF breaks it; `loadable`: a valid file the kernel still refuses. */
  readonly level: 'format' | 'loadable';
  /**
   * The kernel's wording (the end of its log line), or `undefined` where it logs none or only
   * numbers (`meta_left:4 meta_needed:12` for a truncated record).
   */
  readonly kernel: string | undefined;
}

const f = (kernel: string | undefined): BtfRule => ({ level: 'format', kernel });
const l = (kernel: string | undefined): BtfRule => ({ level: 'loadable', kernel });

/** Every rule, by identifier. */
export const BTF_RULES = {
  // The blob's header and sections as a whole (btf_parse_hdr, btf_check_sec_info,
  // btf_parse_str_sec, btf_parse_type_sec, btf_check_all_metas): thrown while a spec is opened.
  'header-short': f('hdr_len not found'),
  'header-length': f('btf_header not found'),
  'header-magic': f('Invalid magic'),
  'header-version': f('Unsupported version'),
  'header-flags': f('Unsupported flags'),
  'header-unknown': f('Unsupported btf_header'),
  'section-offset': f('Invalid section offset'),
  'section-length': f('Total section length too long'),
  'section-overlap': f('Section overlap found'),
  'type-section-align': f('Unaligned type_off'),
  'layout-section': f(undefined),
  'string-section-empty': f('Invalid string section'),
  'string-section-start': f('Invalid string section'),
  'string-section-end': f('Invalid string section'),
  'record-truncated': f(undefined),
  'kind-unknown': f('Invalid kind'),
  // Record metadata (btf_check_meta and each kind's check_meta).
  'name-offset': f('Invalid name_offset'),
  'name-not-string-start': f(undefined),
  'name-required': f('Invalid name'),
  'name-forbidden': f('Invalid name'),
  'name-identifier': f('Invalid name'),
  'name-section': f('Invalid name'),
  'vlen-zero': f('vlen != 0'),
  'vlen-limit': f('Invalid btf_info'),
  'kind-flag': f('Invalid btf_info kind_flag'),
  'type-id-range': f('Invalid type_id'),
  'void-reference': f('Invalid type_id'),
  'int-data': f('Invalid int_data'),
  'int-too-wide': f('nr_bits exceeds 128'),
  'int-bits': f('nr_bits exceeds type_size'),
  'int-encoding': f('Unsupported encoding'),
  'enum-size': f('Unexpected size'),
  'enumerator-name': f('Invalid name'),
  'fwd-type': f('type != 0'),
  'float-size': f('Invalid type_size'),
  'array-size-field': f('size != 0'),
  'func-linkage': f('Invalid func linkage'),
  'var-linkage': f('Linkage not supported'),
  'decl-tag-component': f('Invalid component_idx'),
  'vararg-name': f('Invalid arg#N'),
  'union-member-offset': f('Invalid member bits_offset'),
  'member-offset-order': f('Invalid member bits_offset'),
  'member-offset-past-end': f('Member bits_offset exceeds its struct size'),
  // Resolution (each kind's resolve and check_member, btf_func_proto_check, btf_func_check).
  'ref-target': f('Invalid type_id'),
  'var-type': f('Invalid type_id'),
  'array-elem': f('Invalid elem'),
  'array-index': f('Invalid index'),
  'array-of-int': f('Invalid array of int'),
  'array-overflow': f('Array size overflows U32_MAX'),
  'member-type': f('Invalid member'),
  'member-exceeds': f('Member exceeds struct_size'),
  'member-alignment': f('Member is not byte aligned'),
  'member-float-alignment': f('Member is not properly aligned'),
  'member-bitfield': f('Invalid member bitfield_size'),
  'member-bitfield-base': f('Invalid member base type'),
  'member-copy-bits': f('nr_copy_bits exceeds 128'),
  'func-proto': f('Invalid type_id'),
  'proto-return': f('Invalid return type'),
  'proto-arg': f('Invalid arg#N'),
  'decl-tag-target': f('Invalid type_id'),
  'datasec-entry-kind': f('Not a VAR kind member'),
  'datasec-entry-offset': f('Invalid offset'),
  'datasec-entry-size': f('Invalid size'),
  'datasec-entry-end': f('Invalid offset+size'),
  'datasec-entry-type': f('Invalid type'),
  loop: f('Loop detected'),
  // Load-time rules.
  'no-types': l('No type found'),
  'byte-order': l('btf_header not found'),
  'header-tail': l('Unsupported btf_header'),
  'section-gap': l('Unsupported section found'),
  'string-section-last': l('String section is not at the end'),
  'string-section-size': l('Invalid string section'),
  'blob-size': l(undefined),
  'type-count': l('Exceeded max num of types'),
  'kind-unsupported': l('Invalid kind'),
  'kind-flag-unsupported': l('Invalid btf_info kind_flag'),
  'section-name-identifier': l('Invalid name'),
  'var-extern': l('Linkage not supported'),
  'func-extern': l('Invalid func linkage'),
  'func-arg-name': l('Invalid arg#N'),
  'datasec-size-zero': l('size == 0'),
  'datasec-func': l('Not a VAR kind member'),
  'type-tag-order': l("Type tags don't precede modifiers"),
  'modifier-chain': l('Max chain length or cycle detected'),
  'resolve-depth': l('Exceeded max resolving depth:32'),
  'func-unresolved': l('Invalid type_id'),
} as const satisfies Record<string, BtfRule>;

/** A rule's identifier. */
export type BtfRuleId = keyof typeof BTF_RULES;

/**
 * The error for a broken rule: `detail` says what is wrong in tsbpf's words, the kernel's follow.
 * `arg` fills the `N` of the kernel's `Invalid arg#N`.
 */
export function ruleError(
  rule: BtfRuleId,
  detail: string,
  typeId?: number,
  offset?: number,
  arg?: number,
  cause?: unknown,
): BtfRuleError {
  const r: BtfRule = BTF_RULES[rule];
  const kernel =
    r.kernel === undefined ? '' : ` (kernel: "${arg !== undefined ? r.kernel.replace(/N$/, String(arg)) : r.kernel}")`;
  const where: { typeId?: number; offset?: number } = {};
  if (typeId !== undefined) where.typeId = typeId;
  if (offset !== undefined) where.offset = offset;
  return new BtfRuleError(rule, r.level, `${detail}${kernel}`, where, cause === undefined ? undefined : { cause });
}
