/**
 * `.BTF.ext`: per-section func_info, line_info and CO-RE relocation records of a BPF object.
 *
 * @module
 */

export { BtfError } from '../../errors.js';
export { CORE_RELO_KIND_MAX, CORE_RELO_KIND_NAMES, type CoreRelo, CoreReloKind, isAccessString } from './core-relo.js';
export { encodeFuncInfo, encodeLineInfo, type KernelFuncInfo, type KernelLineInfo } from './encode.js';
export { EXT_HEADER_CORE, EXT_HEADER_MIN, type ExtHeader, type ExtRange, parseExtHeader } from './header.js';
export { type BtfExt, type ExtStrings, parseBtfExt } from './parse.js';
export { CORE_RELO_SIZE, FUNC_INFO_SIZE, type FuncInfo, LINE_INFO_SIZE, type LineInfo } from './records.js';
