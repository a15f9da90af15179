/**
 * The BTF rules that changed between kernel versions, as data for {@link validateLoadable}.
 * Each entry names the release that changed it; the sources: Linux 6.1's kernel/bpf/btf.c
 * (Debian's linux-source-6.1), the running 6.18 kernel's BPF_BTF_LOAD, and the kernel's history
 * as libbpf's feature probes record it.
 *
 * What Linux 6.1 refuses that 6.18 loads, each checked by BPF_BTF_LOAD in Debian bookworm's
 * 6.1.0 kernel (`test/btf/validate-rules.test.ts` under `npm run test:vm`):
 *
 * | construct                                   | 6.1 logs                       | loads since |
 * | ------------------------------------------- | ------------------------------ | ----------- |
 * | kind_flag on a DECL_TAG (attribute tag)     | `Invalid btf_info kind_flag`   | 6.15        |
 * | kind_flag on a TYPE_TAG (attribute tag)     | `Invalid btf_info kind_flag`   | 6.15        |
 * | a DATASEC name that is no identifier (`.data x`, `?.data`) | `Invalid name`  | 6.4         |
 *
 * What Linux 7.2 loads that 6.18 refuses, checked by BPF_BTF_LOAD in Debian sid's 7.2 kernel: a
 * TYPE_TAG after another modifier (`typedef` or `const` of a type tag), which 6.18 refuses with
 * `Type tags don't precede modifiers`; 7.2 checks such chains only for their length.
 *
 * Of the kernel's 167 raw BTF verifier selftests of 6.1 (`test/btf/validate-selftests.test.ts`),
 * 6.18 loads one that 6.1 refuses (`decl_tag test #8, invalid kflag`); tsbpf, given each
 * kernel's release, matches each kernel on all 167.
 * @module
 */
import { Kind } from './kinds.js';

/** A kernel release, as `major.minor`. */
export interface KernelRelease {
  /** Major version (`6` of 6.1). */
  major: number;
  /** Minor version (`1` of 6.1). */
  minor: number;
}

/** What one kernel's BPF_BTF_LOAD accepts where kernels differ. */
export interface BtfKernelRules {
  /** Kinds it knows (`Invalid kind` for the others). */
  kinds: ReadonlySet<number>;
  /** ENUM may carry kind_flag (signed values): Linux 6.0, with ENUM64. */
  signedEnum: boolean;
  /** DECL_TAG and TYPE_TAG may carry kind_flag (attribute tags): Linux 6.15. */
  tagKindFlag: boolean;
  /**
   * DATASEC names may hold any printable ASCII (`?.data`, `.data x`), not only identifier
   * characters: Linux 6.4 (6.1 refuses them; 6.18 accepts them).
   */
  printableSectionNames: boolean;
  /**
   * A TYPE_TAG may follow other modifiers in a chain (`typedef struct s __tag t`): Linux 7.2.
   * Before, type tags had to come first (`Type tags don't precede modifiers`).
   */
  typeTagsAfterModifiers: boolean;
  /** The most items (vlen) one type may have. */
  maxVlen: number;
  /** Bytes of header it takes with non-zero fields past the classic 24 (none so far). */
  headerSize: number;
}

/** When each kind arrived (libbpf's FEAT_BTF_* probes record the same releases). */
const KIND_SINCE: readonly [kind: number, major: number, minor: number][] = [
  [Kind.Int, 4, 18],
  [Kind.Ptr, 4, 18],
  [Kind.Array, 4, 18],
  [Kind.Struct, 4, 18],
  [Kind.Union, 4, 18],
  [Kind.Enum, 4, 18],
  [Kind.Fwd, 4, 18],
  [Kind.Typedef, 4, 18],
  [Kind.Volatile, 4, 18],
  [Kind.Const, 4, 18],
  [Kind.Restrict, 4, 18],
  [Kind.Func, 5, 0],
  [Kind.FuncProto, 5, 0],
  [Kind.Var, 5, 2],
  [Kind.Datasec, 5, 2],
  [Kind.Float, 5, 13],
  [Kind.DeclTag, 5, 16],
  [Kind.TypeTag, 5, 17],
  [Kind.Enum64, 6, 0],
];

/**
 * The default of {@link btfKernelRules}: 6.18, the newest release every one of whose rules the
 * tests check on a running kernel (the host's). Newer releases' known changes apply when named.
 */
export const NEWEST_KNOWN_RELEASE: Readonly<KernelRelease> = Object.freeze({ major: 6, minor: 18 });

/** `a >= b`. */
function atLeast(a: KernelRelease, major: number, minor: number): boolean {
  return a.major > major || (a.major === major && a.minor >= minor);
}

/**
 * The rules of `release` (default {@link NEWEST_KNOWN_RELEASE}). A string is read as a kernel
 * release (`6.1.0-18-amd64`, `6.18.3`); one that does not start with `major.minor` gets the
 * default.
 */
export function btfKernelRules(release: KernelRelease | string = NEWEST_KNOWN_RELEASE): BtfKernelRules {
  const r = typeof release === 'string' ? (parseRelease(release) ?? NEWEST_KNOWN_RELEASE) : release;
  return {
    kinds: new Set(KIND_SINCE.filter(([, major, minor]) => atLeast(r, major, minor)).map(([k]) => k)),
    signedEnum: atLeast(r, 6, 0),
    tagKindFlag: atLeast(r, 6, 15),
    printableSectionNames: atLeast(r, 6, 4),
    typeTagsAfterModifiers: atLeast(r, 7, 2),
    maxVlen: 0xffff,
    headerSize: 24,
  };
}

/** `major.minor` of a release string, or `undefined`. */
export function parseRelease(release: string): KernelRelease | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}
