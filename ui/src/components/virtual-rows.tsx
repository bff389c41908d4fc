/**
 * Windowing for long tables: only the rows in view (plus a margin) are in the DOM, with fixed
 * row heights so the position of any row is arithmetic; two spacer rows stand for the rest.
 * 10 000 machines cost ~40 DOM rows. Our own ~50 lines rather than a library: fixed heights
 * need nothing more, and the console's bundle stays small.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export function VirtualRows<T>(props: {
  items: readonly T[];
  rowHeight: number;
  label: string;
  header: ComponentChildren;
  row: (item: T, index: number) => ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [view, setView] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setView(el.clientHeight || 800);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const overscan = 8;
  const n = props.items.length;
  const first = Math.min(n, Math.max(0, Math.floor(top / props.rowHeight) - overscan));
  const last = Math.min(n, Math.ceil((top + view) / props.rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.row(props.items[i]!, i));
  return (
    <div ref={ref} class="vscroll" onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}>
      <table class="vtable" aria-label={props.label} aria-rowcount={n + 1}>
        <thead>{props.header}</thead>
        <tbody>
          <tr class="spacer" style={{ height: `${first * props.rowHeight}px` }} />
          {rows}
          <tr class="spacer" style={{ height: `${(n - last) * props.rowHeight}px` }} />
        </tbody>
      </table>
    </div>
  );
}
