import { pct } from "../format";

/** A capacity bar; the figures beside it are the text a screen reader reads (the bar is decoration). */
export function Bar({
  label,
  used,
  total,
  unit,
}: {
  label: string;
  used: number;
  total: number;
  unit: string;
}) {
  const p = pct(used, total);
  return (
    <div class="bar-row">
      <span class="bar-label">{label}</span>
      <div class="bar" aria-hidden="true">
        <div class={`bar-fill${p >= 90 ? " high" : ""}`} style={{ width: `${p}%` }} />
      </div>
      <span class="bar-text">
        {used} / {total} {unit} ({p} %)
      </span>
    </div>
  );
}
