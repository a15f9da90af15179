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
import { Kind } from '../kinds.js';
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

/** Walks types into definition order, remembering across calls what is already placed. */
export class DefinitionOrder {
  private readonly t: CTypeTable;
  private readonly state: Uint8Array;
  /**
   * Whether another type refers to each type. An anonymous enum nothing refers to is a
   * stand-alone definition (a set of constants); one that is referred to is written inline.
   */
  readonly referenced: Uint8Array;
  private readonly queue: number[] = [];
  /** The walk's pending tasks, three numbers each: opcode, type ID, operand. */
  private readonly tasks: number[] = [];
  /** Answers of finished visits, consumed by the tasks that follow their children. */
  private readonly results: boolean[] = [];
  /** Tasks run so far, over all calls, and the most any valid spec of this size needs. */
  private steps = 0;
  private readonly maxSteps: number;

  constructor(table: CTypeTable) {
    this.t = table;
    this.state = new Uint8Array(table.count);
    this.state[0] = DONE;
    this.referenced = markReferenced(table);
    this.maxSteps = 16 * table.words.length + 1_000_000;
  }

  /**
   * The types, `root` among them if it is a definition of its own, that must be defined (in this
   * order) for `root` to be complete, leaving out those placed by earlier calls. The array is
   * reused by the next call.
   * @throws {BtfError} on a cycle of by-value containment, which no C header can express.
   */
  definitionsFor(root: number): readonly number[] {
    this.queue.length = 0;
    this.walk(root);
    return this.queue;
  }

  /**
   * The depth-first walk, on an explicit stack so that chains and nesting of any depth are fine.
   * A task is an opcode with two operands; each visit leaves one answer on `results`: whether the
   * type must be complete where it is reached (a strong link).
   */
  private walk(root: number): void {
    const st = this.state;
    const t = this.t;
    const tasks = this.tasks;
    const results = this.results;
    tasks.length = 0;
    results.length = 0;
    tasks.push(VISIT, root, 0);
    while (tasks.length > 0) {
      // A valid spec's walk takes a few tasks per reference; a reference loop added to the bytes
      // after validation would take forever.
      if (++this.steps > this.maxSteps) {
        throw new BtfError('the walk over types does not end: a reference loop (bytes changed after loading?)', {
          typeId: root,
        });
      }
      const b = tasks.pop()!;
      const a = tasks.pop()!;
      const op = tasks.pop()!;
      if (op === VISIT) {
        this.visit(a, b === 1);
        continue;
      }
      if (op === AFTER_PTR || op === AFTER_PLAIN) {
        st[a] = DONE;
      } else if (op === AFTER_COMPOSITE) {
        results.length -= t.vlen(a);
        if (t.nameOff(a) !== 0) this.queue.push(a);
        st[a] = DONE;
        results.push(true);
      } else if (op === AFTER_TYPEDEF) {
        const strong = results.pop()!;
        if (b === 1 && !strong) {
          results.push(false);
        } else {
          this.queue.push(a);
          st[a] = DONE;
          results.push(true);
        }
      } else {
        // AFTER_FUNC_PROTO: the return type and every parameter left an answer.
        let strong = false;
        for (let n = t.vlen(a) + 1; n > 0; n--) if (results.pop()) strong = true;
        results.push(strong);
        if (b === 0) st[a] = DONE;
      }
    }
  }

  /** Visits `id`: answers at once, or schedules its children and what follows them. */
  private visit(id: number, viaPointer: boolean): void {
    const st = this.state;
    const t = this.t;
    const tasks = this.tasks;
    const results = this.results;
    const via = viaPointer ? 1 : 0;
    if (st[id] === DONE) {
      results.push(true);
      return;
    }
    const kind = t.kind(id);
    if (st[id] === IN_PROGRESS) {
      if (viaPointer && t.isComposite(id) && t.nameOff(id) !== 0) {
        results.push(false);
        return;
      }
      throw new BtfError('types contain each other by value: no C declaration order exists', { typeId: id });
    }
    switch (kind) {
      case Kind.Int:
      case Kind.Float:
        st[id] = DONE;
        results.push(false);
        return;
      case Kind.Ptr:
        tasks.push(AFTER_PTR, id, 0, VISIT, t.sizeOrType(id), 1);
        return;
      case Kind.Array:
        // An array's element is complete even behind a pointer (as libbpf orders it).
        tasks.push(AFTER_PLAIN, id, 0, VISIT, t.arrayElem(id), 0);
        return;
      case Kind.Struct:
      case Kind.Union: {
        if (viaPointer && t.nameOff(id) !== 0) {
          results.push(false);
          return;
        }
        st[id] = IN_PROGRESS;
        tasks.push(AFTER_COMPOSITE, id, 0);
        // Pushed last member first, so the first member is visited first.
        const body = t.body(id);
        for (let j = t.vlen(id) - 1; j >= 0; j--) tasks.push(VISIT, t.words[body + j * 3 + 1]!, 0);
        return;
      }
      case Kind.Enum:
      case Kind.Enum64:
      case Kind.Fwd:
        if (t.nameOff(id) !== 0 || this.referenced[id] === 0) this.queue.push(id);
        st[id] = DONE;
        results.push(true);
        return;
      case Kind.Typedef:
        tasks.push(AFTER_TYPEDEF, id, via, VISIT, t.sizeOrType(id), via);
        return;
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.TypeTag:
        if (via === 0) tasks.push(AFTER_PLAIN, id, 0);
        tasks.push(VISIT, t.sizeOrType(id), via);
        return;
      case Kind.FuncProto: {
        tasks.push(AFTER_FUNC_PROTO, id, via);
        const body = t.body(id);
        for (let j = t.vlen(id) - 1; j >= 0; j--) tasks.push(VISIT, t.words[body + j * 2 + 1]!, via);
        tasks.push(VISIT, t.sizeOrType(id), via);
        return;
      }
      case Kind.Func:
      case Kind.Var:
      case Kind.Datasec:
      case Kind.DeclTag:
        st[id] = DONE;
        results.push(false);
        return;
      default:
        throw new BtfError(`kind ${kind} has no C declaration`, { typeId: id });
    }
  }
}

/** Marks every type some other type refers to. */
function markReferenced(t: CTypeTable): Uint8Array {
  const ref = new Uint8Array(t.count);
  const w = t.words;
  for (let id = 1; id < t.count; id++) {
    const body = t.body(id);
    switch (t.kind(id)) {
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.Ptr:
      case Kind.Typedef:
      case Kind.Func:
      case Kind.Var:
      case Kind.DeclTag:
      case Kind.TypeTag:
        ref[t.sizeOrType(id)] = 1;
        break;
      case Kind.Array:
        ref[w[body]!] = 1;
        ref[w[body + 1]!] = 1;
        break;
      case Kind.Struct:
      case Kind.Union:
      case Kind.Datasec: {
        const n = t.vlen(id);
        const field = t.kind(id) === Kind.Datasec ? 0 : 1;
        for (let j = 0; j < n; j++) ref[w[body + j * 3 + field]!] = 1;
        break;
      }
      case Kind.FuncProto: {
        const n = t.vlen(id);
        for (let j = 0; j < n; j++) ref[w[body + j * 2 + 1]!] = 1;
        break;
      }
      default:
        break;
    }
  }
  return ref;
}
