/**
 * How many tags a host carries that the request did not ask for, or -1 if it lacks a requested tag.
 * The placement rule prefers the fewest extras: tags mark scarce hardware (ssd, gpu), and a plain VM
 * that lands on a tagged host can starve the next request that really needs the tag. Without this,
 * best-fit fills every half-used ssd host with plain VMs and refuses ssd requests at ~55 % pool fill.
 */
export function extraTags(hostTags: ReadonlySet<string>, wanted: readonly string[] | undefined): number {
  let matched = 0;
  if (wanted) {
    const seen = new Set<string>();
    for (const t of wanted) {
      if (!hostTags.has(t)) return -1;
      if (!seen.has(t)) {
        seen.add(t);
        matched++;
      }
    }
  }
  return hostTags.size - matched;
}
