/**
 * What the tenant-network tests read back from a VM host's namespace to judge it: the links of
 * ours (names starting `fx`, backend/rack/tenant-net/names.ts) and the packet counters of the
 * test's own nftables table `bridge fxtest`, which each test fills with commented counters.
 */
import { execFileSync } from "node:child_process";

/** Our links in namespace `ns`, sorted. */
export function ourLinks(ns: string): string[] {
  const links = JSON.parse(execFileSync("ip", ["-n", ns, "-j", "link", "show"], { encoding: "utf8" })) as {
    ifname: string;
  }[];
  return links
    .map((l) => l.ifname)
    .filter((n) => n.startsWith("fx"))
    .sort();
}

/** Packets per comment of the test's table `bridge fxtest` in `ns` (rules sharing a comment add up). */
export function testCounters(ns: string): Record<string, number> {
  const doc = JSON.parse(
    execFileSync("ip", ["netns", "exec", ns, "nft", "-j", "list", "table", "bridge", "fxtest"], {
      encoding: "utf8",
    }),
  ) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] };
  const out: Record<string, number> = {};
  for (const it of doc.nftables) {
    const c = it.rule?.expr.find((e) => e.counter)?.counter;
    if (it.rule?.comment && c) out[it.rule.comment] = (out[it.rule.comment] ?? 0) + c.packets;
  }
  return out;
}
