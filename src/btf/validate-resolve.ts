/**
 * The kernel's resolve pass over BTF, replayed for its two limits: a resolve stack at most 32
 * deep (`Exceeded max resolving depth:32`) and modifier chains of at most 32 links in which type
 * tags come first (`Max chain length or cycle detected`, `Type tags don't precede modifiers`).
 *
 * The kernel resolves types in ID order with a depth-first walk that stops at "sinks": types
 * that need no resolving, or, once the walk has met a pointer, anything but pointers and
 * modifiers, and once it has met a struct, union or array, anything but those and modifiers.
 * Types resolved earlier are never walked again, so the depth a blob needs depends on the order
 * of its IDs, not only on how deeply its types nest. This replay keeps the kernel's order, modes
 * and stopping points, so it refuses exactly the blobs whose walk grows past 32; it keeps no
 * sizes (those rules are checked elsewhere).
 * @module
 */
import { BtfRuleError } from '../errors.js';
import { Kind } from './kinds.js';
import type { Spec } from './spec.js';
import { isModifierKind, TypeView } from './validate-references.js';
import { ruleError } from './validate-rules.js';
import { infoVlen } from './wire.js';

/** The kernel's MAX_RESOLVE_DEPTH, and its limit on one chain of modifiers. */
export const MAX_RESOLVE_DEPTH = 32;

const NOT_VISITED = 0;
const VISITED = 1;
const RESOLVED = 2;

enum Mode {
  Tbd,
  Ptr,
  StructOrArray,
}

function needsResolve(kind: number): boolean {
  return (
    isModifierKind(kind) ||
    kind === Kind.Ptr ||
    kind === Kind.Struct ||
    kind === Kind.Union ||
    kind === Kind.Array ||
    kind === Kind.Var ||
    kind === Kind.Func ||
    kind === Kind.DeclTag ||
    kind === Kind.Datasec
  );
}

/** Why a walk stopped early. */
class Stop {
  constructor(
    readonly why: 'depth' | 'loop' | 'func',
    readonly id = 0,
  ) {}
}

class Replay {
  private readonly v: TypeView;
  private readonly first: number;
  private readonly state: Uint8Array;
  /** For resolved modifiers, pointers and VARs: the type their chain ends at. */
  private readonly resolvedId: Uint32Array;
  private readonly stackId: Uint32Array;
  private readonly stackNext: Uint32Array;
  private top = 0;
  private mode = Mode.Tbd;

  /** `maxDepth` above the kernel's lets a replay run on to find where the kernel meets a loop. */
  constructor(
    private readonly spec: Spec,
    private readonly maxDepth = MAX_RESOLVE_DEPTH,
  ) {
    this.stackId = new Uint32Array(maxDepth);
    this.stackNext = new Uint32Array(maxDepth);
    this.v = new TypeView(spec);
    this.first = spec.firstId;
    this.state = new Uint8Array(spec.section.count);
    this.resolvedId = new Uint32Array(spec.section.count);
  }

  private resolved(id: number): boolean {
    return id < this.first || this.state[id - this.first] === RESOLVED;
  }

  private sink(kind: number): boolean {
    switch (this.mode) {
      case Mode.Tbd:
        return !needsResolve(kind);
      case Mode.Ptr:
        return !isModifierKind(kind) && kind !== Kind.Ptr;
      default:
        return !isModifierKind(kind) && kind !== Kind.Array && kind !== Kind.Struct && kind !== Kind.Union;
    }
  }

  private push(id: number): void {
    if (this.top === this.maxDepth) throw new Stop('depth');
    if (id < this.first || this.state[id - this.first] !== NOT_VISITED) throw new Stop('loop');
    this.state[id - this.first] = VISITED;
    this.stackId[this.top] = id;
    this.stackNext[this.top] = 0;
    this.top++;
    if (this.mode === Mode.Tbd) {
      const k = this.v.kind(id);
      if (k === Kind.Ptr) this.mode = Mode.Ptr;
      else if (k === Kind.Struct || k === Kind.Union || k === Kind.Array) this.mode = Mode.StructOrArray;
    }
  }

  private pop(resolvedId: number): void {
    const id = this.stackId[--this.top]!;
    this.state[id - this.first] = RESOLVED;
    this.resolvedId[id - this.first] = resolvedId;
  }

  /** What a resolved modifier, pointer or VAR ends at; a base type's chain is followed directly. */
  private endOf(id: number): number {
    if (id >= this.first) return this.resolvedId[id - this.first]!;
    return this.v.strip(id);
  }

  /** Pushes `id` if the walk must go through it; true if it did. */
  private visit(id: number): boolean {
    if (this.sink(this.v.kind(id)) || this.resolved(id)) return false;
    this.push(id);
    return true;
  }

  /** One call of the kernel's per-kind `resolve` on the top of the stack. */
  private step(): void {
    const id = this.stackId[this.top - 1]!;
    const v = this.v;
    const kind = v.kind(id);
    if (isModifierKind(kind) || kind === Kind.Ptr || kind === Kind.Var) {
      const next = v.sizeOrType(id);
      if (this.visit(next)) return;
      const nk = v.kind(next);
      // A FUNC stands for its prototype once resolved; one that is a sink here (met while
      // resolving a pointer or a struct, before its own ID came up) is not, and is refused.
      if (nk === Kind.Func && !this.resolved(next)) throw new Stop('func', id);
      const through = isModifierKind(nk) || nk === Kind.Var || nk === Kind.Func;
      if ((kind === Kind.Ptr || kind === Kind.Var) && isModifierKind(nk)) {
        // A modifier resolved inside a struct may have stopped at a pointer: go on from there.
        const end = this.endOf(next);
        if (v.kind(end) === Kind.Ptr && this.visit(end)) return;
      }
      this.pop(through ? this.endOf(next) : next);
      return;
    }
    if (kind === Kind.Struct || kind === Kind.Union || kind === Kind.Datasec) {
      if (kind === Kind.Datasec) this.mode = Mode.Tbd;
      const n = infoVlen(v.info(id));
      const stride = 12;
      const typeAt = kind === Kind.Datasec ? 0 : 4;
      for (let j = this.stackNext[this.top - 1]!; j < n; j++) {
        const t = v.u32(id, j * stride + typeAt);
        if (!this.sink(v.kind(t)) && !this.resolved(t)) {
          this.stackNext[this.top - 1] = j + 1;
          this.push(t);
          return;
        }
      }
      this.pop(0);
      return;
    }
    if (kind === Kind.Array) {
      if (this.visit(v.u32(id, 4))) return;
      if (this.visit(v.u32(id, 0))) return;
      this.pop(v.u32(id, 0));
      return;
    }
    if (kind === Kind.DeclTag) {
      const next = v.sizeOrType(id);
      if (this.visit(next)) return;
      this.pop(next);
      return;
    }
    // FUNC: its prototype is checked, not walked.
    this.pop(v.sizeOrType(id));
  }

  /** Resolves `id` from an empty stack, as the kernel's btf_resolve does. */
  private resolve(id: number, reportAs: number): void {
    this.mode = Mode.Tbd;
    try {
      this.push(id);
      while (this.top > 0) this.step();
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      const at = this.spec.section.offset(reportAs - this.first);
      if (err.why === 'depth') {
        throw ruleError('resolve-depth', `resolving it takes more than ${MAX_RESOLVE_DEPTH} nested steps`, reportAs, at);
      }
      if (err.why === 'func') {
        const fat = this.spec.section.offset(err.id - this.first) + 8;
        throw ruleError(
          'func-unresolved',
          `refers to FUNC [${this.v.sizeOrType(err.id)}], which the kernel has not resolved when it gets there`,
          err.id,
          fat,
        );
      }
      throw ruleError('loop', 'the kernel finds a reference loop when resolving it', reportAs, at);
    }
  }

  run(): void {
    const s = this.spec.section;
    const v = this.v;
    for (let i = 0; i < s.count; i++) {
      const id = this.first + i;
      const kind = s.kind(i);
      if (needsResolve(kind) && !this.resolved(id)) this.resolve(id, id);
      if (kind === Kind.FuncProto) {
        const ret = s.sizeOrType(i);
        if (ret !== 0 && needsResolve(v.kind(ret)) && !this.resolved(ret)) this.resolve(ret, id);
        for (let j = 0; j < infoVlen(s.info(i)); j++) {
          const t = s.u32(i, j * 8 + 4);
          if (t !== 0 && needsResolve(v.kind(t)) && !this.resolved(t)) this.resolve(t, id);
        }
      }
    }
  }
}

/**
 * Replays the kernel's resolve pass over the own types of `spec` (which passed format
 * validation).
 * @throws {BtfRuleError} `resolve-depth` naming the type whose walk grew past 32 steps.
 */
export function checkResolveDepth(spec: Spec): void {
  new Replay(spec).run();
}

/**
 * The type the kernel's log names when its resolve pass meets a reference loop in the own types
 * of `spec`: the one whose resolution (in ID order, with the kernel's stopping points) walks into
 * the loop. `undefined` when the pass meets no loop, or stops first at a FUNC it cannot resolve.
 * Runs on specs whose records passed their own checks, loops or not.
 */
export function kernelLoopStart(spec: Spec): number | undefined {
  try {
    new Replay(spec, spec.section.count + 1).run();
  } catch (err) {
    if (err instanceof BtfRuleError && err.rule === 'loop') return err.typeId;
    if (!(err instanceof BtfRuleError)) throw err;
  }
  return undefined;
}

/**
 * The kernel's check of modifier chains (btf_check_type_tags): from each own modifier, the
 * chain it starts has at most 32 modifiers before it reaches a type checked earlier, and its type
 * tags come before any other modifier (unless `tagsAfterModifiers`, as since Linux 7.2).
 * @throws {BtfRuleError} `modifier-chain` or `type-tag-order`, naming the chain's first type.
 */
export function checkModifierChains(spec: Spec, tagsAfterModifiers = false): void {
  const v = new TypeView(spec);
  const s = spec.section;
  let good = spec.firstId - 1;
  for (let i = 0; i < s.count; i++) {
    const id = spec.firstId + i;
    let kind = s.kind(i);
    if (!isModifierKind(kind)) continue;
    let inTags = kind === Kind.TypeTag;
    let cur = id;
    let left = MAX_RESOLVE_DEPTH;
    while (isModifierKind(kind)) {
      if (left-- === 0) {
        throw ruleError('modifier-chain', `a chain of more than ${MAX_RESOLVE_DEPTH} modifiers starts here`, id, s.offset(i));
      }
      if (kind === Kind.TypeTag) {
        if (!inTags && !tagsAfterModifiers)
          throw ruleError(
            'type-tag-order',
            `type tag [${cur}] follows a modifier in the chain that starts here`,
            id,
            s.offset(i),
          );
      } else inTags = false;
      if (cur <= good) break;
      cur = v.sizeOrType(cur);
      kind = v.kind(cur);
    }
    good = id;
  }
}
