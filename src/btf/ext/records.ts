/**
 * func_info and line_info records (`struct bpf_func_info`, `struct bpf_line_info`) as they
 * appear in `.BTF.ext`: offsets in bytes within their ELF section.
 *
 * @module
 */

/** One function's start and its `BTF_KIND_FUNC` type. */
export interface FuncInfo {
  /** Byte offset of the function's first instruction within its ELF section. */
  insnOff: number;
  /** Type ID of the `BTF_KIND_FUNC`. */
  typeId: number;
}

/** One source line's first instruction. */
export interface LineInfo {
  /** Byte offset of the instruction within its ELF section. */
  insnOff: number;
  /** Offset of the file name in the BTF string table. */
  fileNameOff: number;
  /** Offset of the source line's text in the BTF string table. */
  lineOff: number;
  /** Line number (`line_col >> 10`). */
  line: number;
  /** Column (`line_col & 0x3ff`). */
  column: number;
  /** The file name. */
  fileName: string;
  /** The source line's text. */
  lineText: string;
}

/** Size of a func_info record as known today; larger records are accepted, their tail skipped. */
export const FUNC_INFO_SIZE = 8;
/** Size of a line_info record as known today. */
export const LINE_INFO_SIZE = 16;
/** Size of a CO-RE relocation record as known today. */
export const CORE_RELO_SIZE = 16;
