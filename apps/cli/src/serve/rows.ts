/**
 * Rows of a `POST /predict` body as Criteo rows, parsed by the same strict parser as `dlrm
 * predict`'s raw TSV (parseCriteoLine): JSON `{"rows": [{"dense": [13 integers], "cat": [26
 * hex strings or unsigned 32-bit integers]}, ...]}` (or the bare array), or text/plain raw
 * Criteo lines with or without the leading label. A bad row is a BadRequest naming row and field.
 */
import {
  CRITEO_DENSE,
  CRITEO_FIELDS,
  CRITEO_SPARSE,
  CriteoParseError,
  parseCriteoLine,
  type CriteoRow,
} from "@dlrm/core";

/** A request the server answers with 400 and this message. */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}

/** Parses TSV line `text` as row `n` (1-based); a line without the label is scored as label 0. */
function parseLine(text: string, n: number): CriteoRow {
  const body = text.endsWith("\r") ? text.slice(0, -1) : text;
  const line = body.split("\t").length === CRITEO_FIELDS - 1 ? `0\t${body}` : body;
  try {
    return parseCriteoLine(line, "request", n);
  } catch (e) {
    if (!(e instanceof CriteoParseError)) throw e;
    const what = e.message.slice(`${e.file}:${e.line}: ${e.field}: `.length);
    throw new BadRequest(`row ${n}: ${e.field === "line" ? "fields" : e.field}: ${what}`);
  }
}

/** Raw Criteo TSV lines (empty lines skipped). */
export function rowsFromText(text: string): CriteoRow[] {
  const rows: CriteoRow[] = [];
  text.split("\n").forEach((l, i) => {
    if (l.trim() !== "") rows.push(parseLine(l, i + 1));
  });
  if (rows.length === 0) throw new BadRequest("the body has no rows");
  return rows;
}

/** One JSON value of a dense or cat field as a TSV token; null means missing (an empty token). */
function token(v: unknown, n: number, field: string, cat: boolean): string {
  if (v === null) return "";
  if (cat && typeof v === "string") return v;
  if (typeof v === "number" && Number.isInteger(v)) {
    if (!cat) return String(v);
    if (v >= 0 && v <= 0xffffffff) return v.toString(16);
    throw new BadRequest(`row ${n}: ${field}: ${v} is not an unsigned 32-bit integer`);
  }
  const want = cat ? "a hex string or an unsigned 32-bit integer" : "an integer";
  throw new BadRequest(`row ${n}: ${field}: expected ${want}, got ${JSON.stringify(v)}`);
}

/** The rows of a parsed JSON body. */
export function rowsFromJson(body: unknown): CriteoRow[] {
  const list = Array.isArray(body) ? body : (body as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(list) || list.length === 0)
    throw new BadRequest('expected {"rows": [{"dense": [13 numbers], "cat": [26 hashes]}, ...]} with at least one row');
  return list.map((r: unknown, i) => {
    const n = i + 1;
    const { dense, cat } = (r ?? {}) as { dense?: unknown; cat?: unknown };
    if (!Array.isArray(dense) || dense.length !== CRITEO_DENSE)
      throw new BadRequest(`row ${n}: dense: expected an array of ${CRITEO_DENSE} integers`);
    if (!Array.isArray(cat) || cat.length !== CRITEO_SPARSE)
      throw new BadRequest(`row ${n}: cat: expected an array of ${CRITEO_SPARSE} hex strings or integers`);
    const fields = [
      "0",
      ...dense.map((v, j) => token(v, n, `dense[${j}] (I${j + 1})`, false)),
      ...cat.map((v, j) => token(v, n, `cat[${j}] (C${j + 1})`, true)),
    ];
    return parseLine(fields.join("\t"), n);
  });
}
