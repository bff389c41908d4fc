/**
 * Which kernel modules the ephemeral environment must load, in dependency order (pure). A
 * Debian kernel package ships no modules.dep (depmod runs at install), so the dependencies are
 * read from each module's own `.modinfo` section, where modpost records `depends=a,b`.
 */

/** The `depends=` list of a .ko file's modinfo strings. */
export function moduleDepends(ko: Uint8Array): string[] {
  const buf = Buffer.from(ko.buffer, ko.byteOffset, ko.byteLength);
  const key = Buffer.from("\0depends=", "ascii");
  const at = buf.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = buf.indexOf(0, start);
  const list = buf.toString("ascii", start, end < 0 ? buf.length : end);
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Module names (as in depends=, '-' and '_' equivalent) in an order where every module follows its deps. */
export function loadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => readonly string[],
): string[] {
  const norm = (n: string) => n.replace(/-/g, "_");
  const out: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (raw: string, chain: string[]) => {
    const n = norm(raw);
    const s = state.get(n);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`module dependency cycle: ${[...chain, n].join(" → ")}`);
    state.set(n, "visiting");
    for (const d of dependsOf(n)) visit(d, [...chain, n]);
    state.set(n, "done");
    out.push(n);
  };
  for (const w of wanted) visit(w, []);
  return out;
}
