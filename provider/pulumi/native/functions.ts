/**
 * The package's data functions, served by Invoke (the Terraform data sources' twins,
 * provider/terraform/data-sources/): `fibrix:index:getRegions`, `getPools`, `getImages`, each
 * with an optional `name` filter. One list call to the region each.
 */
import { regionClient } from "../provider-config";
import { providerError } from "../provider-errors";
import type { CheckFailure } from "../schema-check";
import { FUNCTIONS } from "./resources";

export interface InvokeResult {
  ret: Record<string, unknown>;
  failures: CheckFailure[];
}

type Lister = (name: string | undefined) => Promise<Record<string, unknown>>;

const byName = <T extends { name: string }>(all: T[], name: string | undefined) =>
  name === undefined ? all : all.filter((x) => x.name === name);

const LISTERS: Readonly<Record<string, Lister>> = {
  [FUNCTIONS.getRegions]: async (name) => ({ regions: byName(await regionClient().regions.listAll(), name) }),
  [FUNCTIONS.getPools]: async (name) => ({ pools: byName(await regionClient().pools.listAll(), name) }),
  [FUNCTIONS.getImages]: async (name) => {
    // Sorted by name: a stable answer, so programs that use it show no spurious diff.
    const images = byName(await regionClient().images.listAll(), name).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    return { names: images.map((i) => i.name), images };
  },
};

export function isFunction(token: string): boolean {
  return token in LISTERS;
}

export async function invoke(token: string, args: Record<string, unknown>): Promise<InvokeResult> {
  const list = LISTERS[token];
  if (!list) throw new Error(`fibrix provider: no function ${token} (${Object.keys(LISTERS).join(", ")})`);
  const failures: CheckFailure[] = [];
  const name = args.name;
  if (name !== undefined && name !== null && typeof name !== "string") {
    failures.push({ property: "name", reason: "must be a string" });
  }
  for (const k of Object.keys(args)) {
    if (k !== "name") failures.push({ property: k, reason: "is not an argument of this function (name)" });
  }
  if (failures.length > 0) return { ret: {}, failures };
  const filter = typeof name === "string" ? name : undefined;
  try {
    return { ret: { ...(filter !== undefined ? { name: filter } : {}), ...(await list(filter)) }, failures };
  } catch (e) {
    throw providerError(`invoke ${token}`, e);
  }
}
