/**
 * BPF instructions: decoding and encoding in both byte orders, opcode constants and
 * predicates, an assembler, and a disassembler in the kernel's notation.
 *
 * @module
 */

export { AsmError } from '../errors.js';
export * from './assembler.js';
export * from './disassemble.js';
export * from './helpers.js';
export * from './instruction.js';
export * from './opcodes.js';
