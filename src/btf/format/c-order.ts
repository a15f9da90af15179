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

  constructor(table: CTypeTable) {
    this.t = table;
    this.state = new Uint8Array(table.count);
    this.state[0] = DONE;
    this.referenced = markReferenced(table);
  }

  /**
   * The types, `root` among them if it is a definition of its own, that must be defined (in this
   * order) for `root` to be complete, leaving out those placed by earlier calls. The array is
   * reused by the next call.
   * @throws {BtfError} on a cycle of by-value containment, which no C header can express.
   */
  definitionsFor(root: number): readonly number[] {
    this.queue.length = 0;
    this.visit(root, false);
    return this.queue;
  }

  /** Returns true when `id` must be complete where it is reached (a strong link). */
  private visit(id: number, viaPointer: boolean): boolean {
    const st = this.state;
    if (st[id] === DONE) return true;
    const t = this.t;
    const kind = t.kind(id);
    if (st[id] === IN_PROGRESS) {
      if (viaPointer && t.isComposite(id) && t.nameOff(id) !== 0) return false;
      throw new BtfError('types contain each other by value: no C declaration order exists', { typeId: id });
    }
    switch (kind) {
      case Kind.Int:
      case Kind.Float:
        st[id] = DONE;
        return false;
      case Kind.Ptr: {
        const strong = this.visit(t.sizeOrType(id), true);
        st[id] = DONE;
        return strong;
      }
      case Kind.Array:
        // An array's element is complete even behind a pointer (as libbpf orders it).
        return this.visit(t.arrayElem(id), false);
      case Kind.Struct:
      case Kind.Union: {
        const named = t.nameOff(id) !== 0;
        if (viaPointer && named) return false;
        st[id] = IN_PROGRESS;
        const body = t.body(id);
        const n = t.vlen(id);
        for (let j = 0; j < n; j++) this.visit(t.words[body + j * 3 + 1]!, false);
        if (named) this.queue.push(id);
        st[id] = DONE;
        return true;
      }
      case Kind.Enum:
      case Kind.Enum64:
      case Kind.Fwd:
        if (t.nameOff(id) !== 0 || this.referenced[id] === 0) this.queue.push(id);
        st[id] = DONE;
        return true;
      case Kind.Typedef: {
        const strong = this.visit(t.sizeOrType(id), viaPointer);
        if (viaPointer && !strong) return false;
        this.queue.push(id);
        st[id] = DONE;
        return true;
      }
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.TypeTag:
        return this.visit(t.sizeOrType(id), viaPointer);
      case Kind.FuncProto: {
        let strong = this.visit(t.sizeOrType(id), viaPointer);
        const body = t.body(id);
        const n = t.vlen(id);
        for (let j = 0; j < n; j++) {
          if (this.visit(t.words[body + j * 2 + 1]!, viaPointer)) strong = true;
        }
        return strong;
      }
      case Kind.Func:
      case Kind.Var:
      case Kind.Datasec:
      case Kind.DeclTag:
        st[id] = DONE;
        return false;
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
