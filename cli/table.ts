/** Aligned text tables for people; `--json` prints the raw objects instead. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return "(none)\n";
  const cell = (v: unknown) =>
    v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    `${vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()}\n`;
  return (
    line(columns.map((c) => c.toUpperCase())) + rows.map((r) => line(columns.map((c) => cell(r[c])))).join("")
  );
}
