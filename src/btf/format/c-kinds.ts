/**
 * The BTF kind numbers of {@link Kind}, as a `const enum` that the compiler writes into the C
 * writer's code as number literals.
 *
 * Why: `Kind` is an object, so every `Kind.Struct` is a property load when the code runs, and a
 * `switch` over `case Kind.Int: case Kind.Ptr: ...` is a chain of loads and comparisons, each
 * needing type feedback before it can be optimized. A dump is short enough that most of its code
 * runs before V8 optimizes it; with literal labels, a `switch` is one jump table and nothing
 * needs feedback. Measured on vmlinux's C header (the whole process): 7 % less CPU.
 * @module
 */
import type { Kind } from '../kinds.js';

/** {@link Kind}'s numbers (`test/btf/format-c-kinds.test.ts` checks they agree). */
// biome-ignore lint/suspicious/noConstEnum: tsc compiles every file together and writes the numbers in; no bundler sees this source.
export const enum CKind {
  Int = 1,
  Ptr = 2,
  Array = 3,
  Struct = 4,
  Union = 5,
  Enum = 6,
  Fwd = 7,
  Typedef = 8,
  Volatile = 9,
  Const = 10,
  Restrict = 11,
  Func = 12,
  FuncProto = 13,
  Var = 14,
  Datasec = 15,
  Float = 16,
  DeclTag = 17,
  TypeTag = 18,
  Enum64 = 19,
}
