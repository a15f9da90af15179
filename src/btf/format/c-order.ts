/**
 * The order in which the C header writer defines types. A definition must follow the complete
 * definitions of every type it embeds by value, while a type reached only through a pointer may be
 * forward-declared instead. The walk is a depth-first topological sort that tells, for each edge,
 * whether the target must be complete ("strong") or may stay incomplete ("weak"):
 * a path is weak when it passes through a pointer and then reaches a named type; anonymous
 * structs, unions and enums are written inline, so whatever they embed is strong again.
 * @module
 */
import { BtfError } from '../../errors.js';
import { infoVlen } from '../wire.js';
import { CKind } from './c-kinds.js';
import type { CTypeTable } from './c-table.js';

/** States of a type in the walk; 0 is not yet visited. */
const IN_PROGRESS = 1;
const DONE = 2;

/** Opcodes of the walk's task stack. */
const VISIT = 0;
const AFTER_PTR = 1;
const AFTER_COMPOSITE = 2;
const AFTER_TYPEDEF = 3;
const AFTER_FUNC_PROTO = 4;
/**
 * Marks an array, qualifier or function prototype visited by value as done. Nothing about it
 * changes later: visiting it again would walk its whole chain (quadratic in a long chain) only to
 * answer "strong", as every type it leads to is then done.
 */
const AFTER_PLAIN = 5;

/**
 * Every type that gets a definition of its own, in the order the header defines them: for each
 * type in ID order (those with no definition skipped), what it needs first, then itself.
 * @throws {BtfError} on a cycle of by-value containment, which no C header can express, or on a
 * walk that does not end (bytes changed after validation).
 */
export function definitionOrder(table: CTypeTable): Uint32Array {
  const queue = new Uint32Array(table.count);
  return queue.subarray(0, new OrderWalk(table, queue).run());
}

/** The depth-first walk's state, kept across roots. */
class OrderWalk {
  private readonly t: CTypeTable;
  private readonly state: Uint8Array;
  /**
   * Whether another type refers to each type. An anonymous enum nothing refers to is a
   * stand-alone definition (a set of constants); one that is referred to is written inline.
   */
  private readonly referenced: Uint8Array;
  /** The definitions found so far. */
  private readonly queue: Uint32Array;
  /**
   * The walk's pending tasks, three numbers each: opcode, type ID, operand. A plain array used
   * as a stack with its own top (written by index, never shrunk), which costs less than
   * push/pop and `length` updates.
   */
  private readonly tasks: number[] = [];
  /** Answers of finished visits (1 strong, 0 weak), consumed by the tasks that follow their children. */
  private readonly results: number[] = [];
  /** Tasks run so far, over all roots, and the most any valid spec of this size needs. */
  private steps = 0;
  private readonly maxSteps: number;

  constructor(table: CTypeTable, queue: Uint32Array) {
    this.t = table;
    this.state = new Uint8Array(table.count);
    this.state[0] = DONE;
    this.referenced = markReferenced(table);
    this.queue = queue;
    this.maxSteps = 16 * table.words.length + 1_000_000;
  }

  /**
   * Walks from every type in ID order, appending to the queue the definitions each needs, then
   * the type itself if it is one; returns how many there are.
   *
   * The depth-first walk, on an explicit stack so that chains and nesting of any depth are fine.
   * A task is an opcode with two operands; each visit leaves one answer on `results`: whether the
   * type must be complete where it is reached (a strong link). A child already placed answers
   * "strong" at once, without a task of its own: most references lead to such types.
   *
   * All roots are walked in this one call rather than one call per root: the walk is the
   * writer's hottest loop, and a single long call gets one optimized compilation (on-stack)
   * instead of an on-stack one and a regular one, which in a run this short cost more than the
   * calls themselves.
   */
  run(): number {
    const st = this.state;
    const t = this.t;
    const kinds = t.kinds;
    const words = t.words;
    const starts = t.starts;
    const referenced = this.referenced;
    const tasks = this.tasks;
    const results = this.results;
    const queue = this.queue;
    let queued = 0;
    for (let root = 1; root < t.count; root++) {
      // Nearly half of vmlinux's types are functions, which like variables, data sections and
      // declaration tags need no definition and place none: skipped without a visit.
      const k = kinds[root];
      if (k === CKind.Func || k === CKind.Var || k === CKind.Datasec || k === CKind.DeclTag || st[root] === DONE) continue;
      let top = 0;
      let rtop = 0;
      tasks[top++] = VISIT;
      tasks[top++] = root;
      tasks[top++] = 0;
      while (top > 0) {
        // A valid spec's walk takes a few tasks per reference; a reference loop added to the bytes
        // after validation would take forever.
        if (++this.steps > this.maxSteps) {
          throw new BtfError('the walk over types does not end: a reference loop (bytes changed after loading?)', {
            typeId: root,
          });
        }
        top -= 3;
        const op = tasks[top]!;
        const id = tasks[top + 1]!;
        const b = tasks[top + 2]!;
        if (op !== VISIT) {
          if (op === AFTER_PTR || op === AFTER_PLAIN) {
            st[id] = DONE;
          } else if (op === AFTER_COMPOSITE) {
            rtop -= infoVlen(words[starts[id]! + 1]!);
            if (words[starts[id]!] !== 0) queue[queued++] = id;
            st[id] = DONE;
            results[rtop++] = 1;
          } else if (op === AFTER_TYPEDEF) {
            const strong = results[--rtop]!;
            if (b === 1 && strong === 0) {
              results[rtop++] = 0;
            } else {
              queue[queued++] = id;
              st[id] = DONE;
              results[rtop++] = 1;
            }
          } else {
            // AFTER_FUNC_PROTO: the return type and every parameter left an answer.
            let strong = 0;
            for (let n = infoVlen(words[starts[id]! + 1]!) + 1; n > 0; n--) strong |= results[--rtop]!;
            results[rtop++] = strong;
            if (b === 0) st[id] = DONE;
          }
          continue;
        }
        // VISIT `id`, reached through a pointer when `b` is 1: answer at once, or schedule its
        // children and what follows them.
        if (st[id] === DONE) {
          results[rtop++] = 1;
          continue;
        }
        const kind = kinds[id] ?? 0;
        const head = starts[id]!;
        if (st[id] === IN_PROGRESS) {
          if (b === 1 && (kind === CKind.Struct || kind === CKind.Union) && words[head] !== 0) {
            results[rtop++] = 0;
            continue;
          }
          throw new BtfError('types contain each other by value: no C declaration order exists', { typeId: id });
        }
        switch (kind) {
          case CKind.Int:
          case CKind.Float:
          case CKind.Func:
          case CKind.Var:
          case CKind.Datasec:
          case CKind.DeclTag:
            st[id] = DONE;
            results[rtop++] = 0;
            break;
          case CKind.Ptr: {
            // Pointing at a placed type: placed at once.
            if (st[words[head + 2]!] === DONE) {
              st[id] = DONE;
              results[rtop++] = 1;
              break;
            }
            tasks[top++] = AFTER_PTR;
            tasks[top++] = id;
            tasks[top++] = 0;
            tasks[top++] = VISIT;
            tasks[top++] = words[head + 2]!;
            tasks[top++] = 1;
            break;
          }
          case CKind.Array:
            // An array's element is complete even behind a pointer (as libbpf orders it).
            tasks[top++] = AFTER_PLAIN;
            tasks[top++] = id;
            tasks[top++] = 0;
            top = visitChild(tasks, top, st, words[head + 3]!, 0);
            if (top < 0) {
              top = ~top;
              results[rtop++] = 1;
            }
            break;
          case CKind.Struct:
          case CKind.Union: {
            if (b === 1 && words[head] !== 0) {
              results[rtop++] = 0;
              break;
            }
            // Most members' types are placed already: then the composite is placed at once.
            if (allPlaced(st, words, head + 4, infoVlen(words[head + 1]!), 3)) {
              if (words[head] !== 0) queue[queued++] = id;
              st[id] = DONE;
              results[rtop++] = 1;
              break;
            }
            st[id] = IN_PROGRESS;
            tasks[top++] = AFTER_COMPOSITE;
            tasks[top++] = id;
            tasks[top++] = 0;
            // Pushed last member first, so the first member is visited first.
            const body = head + 3;
            for (let j = infoVlen(words[head + 1]!) - 1; j >= 0; j--) {
              top = visitChild(tasks, top, st, words[body + j * 3 + 1]!, 0);
              if (top < 0) {
                top = ~top;
                results[rtop++] = 1;
              }
            }
            break;
          }
          case CKind.Enum:
          case CKind.Enum64:
          case CKind.Fwd:
            if (words[head] !== 0 || referenced[id] === 0) queue[queued++] = id;
            st[id] = DONE;
            results[rtop++] = 1;
            break;
          case CKind.Typedef:
            tasks[top++] = AFTER_TYPEDEF;
            tasks[top++] = id;
            tasks[top++] = b;
            top = visitChild(tasks, top, st, words[head + 2]!, b);
            if (top < 0) {
              top = ~top;
              results[rtop++] = 1;
            }
            break;
          case CKind.Volatile:
          case CKind.Const:
          case CKind.Restrict:
          case CKind.TypeTag:
            if (b === 0) {
              tasks[top++] = AFTER_PLAIN;
              tasks[top++] = id;
              tasks[top++] = 0;
            }
            top = visitChild(tasks, top, st, words[head + 2]!, b);
            if (top < 0) {
              top = ~top;
              results[rtop++] = 1;
            }
            break;
          case CKind.FuncProto: {
            // Likewise, most prototypes (some 29,000 in vmlinux, one per function) are answered at once.
            if (st[words[head + 2]!] === DONE && allPlaced(st, words, head + 4, infoVlen(words[head + 1]!), 2)) {
              if (b === 0) st[id] = DONE;
              results[rtop++] = 1;
              break;
            }
            tasks[top++] = AFTER_FUNC_PROTO;
            tasks[top++] = id;
            tasks[top++] = b;
            const body = head + 3;
            for (let j = infoVlen(words[head + 1]!) - 1; j >= 0; j--) {
              top = visitChild(tasks, top, st, words[body + j * 2 + 1]!, b);
              if (top < 0) {
                top = ~top;
                results[rtop++] = 1;
              }
            }
            top = visitChild(tasks, top, st, words[head + 2]!, b);
            if (top < 0) {
              top = ~top;
              results[rtop++] = 1;
            }
            break;
          }
          default:
            throw new BtfError(`kind ${kind} has no C declaration`, { typeId: id });
        }
      }
    }
    return queued;
  }
}

/**
 * Schedules a visit of `child` (through a pointer when `via` is 1) on `tasks` above `top` and
 * returns the new top; for a child already placed, whose answer is "strong", schedules nothing
 * and returns `~top` (negative) so the caller records the answer itself.
 */
function visitChild(tasks: number[], top: number, st: Uint8Array, child: number, via: number): number {
  if (st[child] === DONE) return ~top;
  tasks[top] = VISIT;
  tasks[top + 1] = child;
  tasks[top + 2] = via;
  return top + 3;
}

/**
 * Whether the types named by `n` record items, the type ID of the first at word `at` and the
 * next ones every `stride` words, are all placed: what the walk would find visiting each of
 * them, without the tasks.
 */
function allPlaced(st: Uint8Array, words: Uint32Array, at: number, n: number, stride: number): boolean {
  for (let i = 0, w = at; i < n; i++, w += stride) if (st[words[w]!] !== DONE) return false;
  return true;
}

/** Marks every type some other type refers to. */
function markReferenced(t: CTypeTable): Uint8Array {
  const ref = new Uint8Array(t.count);
  const w = t.words;
  const starts = t.starts;
  const kinds = t.kinds;
  for (let id = 1; id < t.count; id++) {
    const head = starts[id]!;
    const body = head + 3;
    const kind = kinds[id]!;
    switch (kind) {
      case CKind.Volatile:
      case CKind.Const:
      case CKind.Restrict:
      case CKind.Ptr:
      case CKind.Typedef:
      case CKind.Func:
      case CKind.Var:
      case CKind.DeclTag:
      case CKind.TypeTag:
        ref[w[head + 2]!] = 1;
        break;
      case CKind.Array:
        ref[w[body]!] = 1;
        ref[w[body + 1]!] = 1;
        break;
      case CKind.Struct:
      case CKind.Union:
      case CKind.Datasec: {
        const n = infoVlen(w[head + 1]!);
        const field = kind === CKind.Datasec ? 0 : 1;
        for (let j = 0; j < n; j++) ref[w[body + j * 3 + field]!] = 1;
        break;
      }
      case CKind.FuncProto: {
        const n = infoVlen(w[head + 1]!);
        for (let j = 0; j < n; j++) ref[w[body + j * 2 + 1]!] = 1;
        break;
      }
      default:
        break;
    }
  }
  return ref;
}
