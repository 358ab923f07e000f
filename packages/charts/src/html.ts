/**
 * Escaping for the text and attribute values the HTML reports put around their charts
 * (titles, labels, table cells), shared by the bench report and the training report.
 */

/** Escapes `&`, `<`, `>` and `"` for HTML text and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
