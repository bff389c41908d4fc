/**
 * Text for people: aligned tables (a few key fields per object) and key/value details.
 * `--json` bypasses all of this and prints the API's objects as they are.
 */

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Cells longer than this are cut with "…" (descriptions, reasons). */
  max?: number;
}

/** One cell: "-" for nothing, lists joined, objects as compact JSON, one line. */
export function cell(v: unknown, max = 60): string {
  let s: string;
  if (v === null || v === undefined || v === "") s = "-";
  else if (Array.isArray(v))
    s = v.length === 0 ? "-" : v.map((x) => cell(x, Number.POSITIVE_INFINITY)).join(",");
  else if (typeof v === "object") s = JSON.stringify(v);
  else s = String(v);
  s = s.replace(/\s+/g, " ");
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

function line(values: string[], widths: number[]): string {
  return `${values
    .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? v.length)))
    .join("  ")
    .trimEnd()}\n`;
}

/** A table with an upper-case header row; columns as wide as their widest cell. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.max)));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  return line(headers, widths) + cells.map((row) => line(row, widths)).join("");
}

/**
 * A table printed a few rows at a time (`events list --follow`): fixed widths, header once.
 * Cells wider than their column push the rest of that row right rather than being cut.
 */
export class StreamingTable<T> {
  private headerDone = false;
  constructor(
    private readonly columns: readonly (Column<T> & { width: number })[],
    private readonly write: (s: string) => void,
  ) {}

  rows(rows: readonly T[]): void {
    const widths = this.columns.map((c) => c.width);
    if (!this.headerDone) {
      this.write(
        line(
          this.columns.map((c) => c.header.toUpperCase()),
          widths,
        ),
      );
      this.headerDone = true;
    }
    for (const r of rows)
      this.write(
        line(
          this.columns.map((c) => cell(c.value(r), c.max)),
          widths,
        ),
      );
  }
}

/** Flattens one level of nesting (`power.type`, `health.status`) for key/value display. */
function flatten(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && prefix === "") {
      out.push(...flatten(v as Record<string, unknown>, `${k}.`));
    } else out.push([`${prefix}${k}`, v]);
  }
  return out;
}

/** One object as aligned `key  value` lines. */
export function details(obj: object): string {
  const pairs = flatten(obj as Record<string, unknown>);
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v, 200)}\n`).join("");
}
