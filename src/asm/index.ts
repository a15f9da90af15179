/**
 * BPF instructions: decoding and encoding in both byte orders, opcode constants and
 * predicates.
 *
 * @module
 */

export { AsmError } from '../errors.js';
export * from './instruction.js';
export * from './opcodes.js';
