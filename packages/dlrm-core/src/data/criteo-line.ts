/**
 * Strict parsing of one raw Criteo line (Kaggle train.txt, Terabyte day_N): label, 13
 * integer features, 26 categorical 32-bit hashes in hex, tab-separated, empty = missing.
 * Never a lenient parse that reads a prefix: a bad token is an error naming file, line,
 * field and token. Hashes are unsigned 32-bit.
 */

export const CRITEO_DENSE = 13;
export const CRITEO_SPARSE = 26;
export const CRITEO_FIELDS = 1 + CRITEO_DENSE + CRITEO_SPARSE;

export interface CriteoRow {
  label: number;
  /** Raw integer counts; missing = 0. */
  dense: number[];
  /** Unsigned 32-bit hashes; missing = 0. */
  sparse: number[];
}

export class CriteoParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    message: string,
  ) {
    super(`${file}:${line}: ${field}: ${message}`);
    this.name = "CriteoParseError";
  }
}

const INT_RE = /^-?[0-9]+$/;
const HEX_RE = /^[0-9a-fA-F]{1,8}$/;

/** Parses one line (without its newline; a trailing CR is accepted). */
export function parseCriteoLine(text: string, file: string, line: number): CriteoRow {
  const body = text.endsWith("\r") ? text.slice(0, -1) : text;
  const fields = body.split("\t");
  if (fields.length !== CRITEO_FIELDS) {
    const hint = fields.length === 1 && body.includes(",") ? " (comma-separated? Criteo files are tab-separated)" : "";
    throw new CriteoParseError(file, line, "line", `expected ${CRITEO_FIELDS} fields, got ${fields.length}${hint}`);
  }
  const labelToken = fields[0]!;
  if (labelToken !== "0" && labelToken !== "1")
    throw new CriteoParseError(file, line, "label", `expected 0 or 1, got ${JSON.stringify(labelToken)}`);
  const dense: number[] = new Array(CRITEO_DENSE);
  for (let i = 0; i < CRITEO_DENSE; i++) {
    const tok = fields[1 + i]!;
    if (tok === "") {
      dense[i] = 0;
      continue;
    }
    if (!INT_RE.test(tok))
      throw new CriteoParseError(file, line, `I${i + 1}`, `not an integer: ${JSON.stringify(tok)}`);
    const v = Number(tok);
    if (v > 2147483647 || v < -2147483648)
      throw new CriteoParseError(file, line, `I${i + 1}`, `${tok} is beyond the 32-bit integer range`);
    dense[i] = v;
  }
  const sparse: number[] = new Array(CRITEO_SPARSE);
  for (let i = 0; i < CRITEO_SPARSE; i++) {
    const tok = fields[1 + CRITEO_DENSE + i]!;
    if (tok === "") {
      sparse[i] = 0;
      continue;
    }
    if (!HEX_RE.test(tok))
      throw new CriteoParseError(file, line, `C${i + 1}`, `not a hex hash of 1-8 digits: ${JSON.stringify(tok)}`);
    sparse[i] = parseInt(tok, 16) >>> 0;
  }
  return { label: labelToken === "1" ? 1 : 0, dense, sparse };
}

/** dlrm's dense transform: log(max(x, 0) + 1), computed in float64, stored as float32. */
export function transformDense(x: number): number {
  return Math.fround(Math.log(Math.max(x, 0) + 1));
}
