/**
 * Resource properties on the wire, as the engine encodes them (pulumi/pulumi
 * sdk/go/common/resource/plugin/rpc.go, MarshalPropertyValue / UnmarshalPropertyValue): a
 * google.protobuf.Struct in which a secret is `{ [SIG_KEY]: SECRET_SIG, value }`, a resource
 * reference `{ [SIG_KEY]: RESOURCE_SIG, urn, id? }`, and a value not known yet (preview) one
 * of the unknown sentinel strings.
 *
 * The hooks work on plain JSON values with the one `UNKNOWN` string (schema-check.ts), so
 * decoding unwraps secrets and records where they were; encoding wraps them again at those
 * places. Nothing here is lossy for what this provider sends and receives: it accepts secrets
 * and resource references (Configure/Handshake say so) and no output values or assets.
 */
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { UNKNOWN } from "../schema-check";

/** resource/sig/sig.go */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/**
 * rpc.go: the engine marks an unknown with a sentinel by the type it expects (bool, number,
 * string, array, asset, archive, object). All mean "not known yet" to the hooks.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  UNKNOWN,
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Props = Record<string, Json>;

/** A path to a value: object keys and array indexes (`["power", "password"]`). */
export type PropertyPath = readonly (string | number)[];

export interface Decoded {
  props: Props;
  /** Where the engine sent secrets (outermost secret only). */
  secrets: PropertyPath[];
}

export class PropertyCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PropertyCodecError";
  }
}

function decodeValue(v: Json, path: (string | number)[], secrets: PropertyPath[]): Json {
  if (typeof v === "string") return UNKNOWN_SENTINELS.has(v) ? UNKNOWN : v;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x, i) => decodeValue(x, [...path, i], secrets));
  const sig = v[SIG_KEY];
  if (sig !== undefined) {
    switch (sig) {
      case SECRET_SIG: {
        // A secret inside a secret is still one secret: record the outermost only.
        const inner: PropertyPath[] = [];
        secrets.push([...path]);
        return decodeValue(v.value ?? null, path, inner);
      }
      case RESOURCE_SIG: {
        // What the engine sends itself when a provider takes no references (rpc.go): the id of
        // a custom resource (unknown while it is not known), else the URN.
        if ("id" in v)
          return typeof v.id === "string" && v.id !== "" ? decodeValue(v.id, path, secrets) : UNKNOWN;
        return typeof v.urn === "string" ? v.urn : null;
      }
      case OUTPUT_SIG:
        throw new PropertyCodecError(
          `property ${pathText(path)}: an output value was sent to a provider that does not accept them`,
        );
      default:
        throw new PropertyCodecError(`property ${pathText(path)}: assets and archives are not fibrix inputs`);
    }
  }
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[k] = decodeValue(x, [...path, k], secrets);
  return out;
}

/** A property path as Pulumi prints it (`power.password`, `macs[0]`). */
export function pathText(path: PropertyPath): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out || "(properties)";
}

/** A Struct from the engine (absent: no properties). */
export function decodeProperties(s: structproto.Struct | undefined): Decoded {
  const secrets: PropertyPath[] = [];
  if (!s) return { props: {}, secrets };
  const raw = s.toJavaScript() as Props;
  return { props: decodeValue(raw, [], secrets) as Props, secrets };
}

function samePath(a: PropertyPath, b: PropertyPath): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isPrefix(prefix: PropertyPath, path: PropertyPath): boolean {
  return prefix.length <= path.length && prefix.every((x, i) => x === path[i]);
}

function secretOf(value: Json): Json {
  return { [SIG_KEY]: SECRET_SIG, value };
}

function encodeValue(v: Json | undefined, path: (string | number)[], secrets: readonly PropertyPath[]): Json {
  if (v === undefined) return null;
  const here = secrets.some((s) => samePath(s, path));
  const below = secrets.filter((s) => s.length > path.length && isPrefix(path, s));
  let out: Json;
  if (below.length === 0 || v === null || typeof v !== "object") out = v;
  else if (Array.isArray(v)) out = v.map((x, i) => encodeValue(x, [...path, i], below));
  else {
    const o: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = encodeValue(x, [...path, k], below);
    out = o;
  }
  return here ? secretOf(v) : out;
}

/**
 * A Struct for the engine: the values at `secrets` (when present) leave as secrets; undefined
 * values are dropped (an absent property, as a program means it).
 */
export function encodeProperties(
  props: Record<string, unknown>,
  secrets: readonly PropertyPath[] = [],
): structproto.Struct {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    const applicable = secrets.filter((s) => s[0] === k);
    out[k] = encodeValue(v as Json, [k], applicable);
  }
  // Struct.fromJavaScript walks the tree itself; the values are plain JSON by construction.
  return structproto.Struct.fromJavaScript(out as Record<string, structproto.JavaScriptValue>);
}

/** Paths of `paths` that name a value present in `props` (a secret declared on an absent field is no secret). */
export function presentPaths(props: Record<string, unknown>, paths: readonly PropertyPath[]): PropertyPath[] {
  return paths.filter((p) => {
    let cur: unknown = props;
    for (const seg of p) {
      if (cur === null || typeof cur !== "object") return false;
      cur = (cur as Record<string | number, unknown>)[seg];
    }
    return cur !== undefined;
  });
}

/** Union of path lists, without repeats. */
export function unionPaths(...lists: readonly (readonly PropertyPath[])[]): PropertyPath[] {
  const out: PropertyPath[] = [];
  for (const l of lists) for (const p of l) if (!out.some((q) => samePath(p, q))) out.push(p);
  return out;
}

/** A dotted field name of the resource model (`power.password`) as a path. */
export function fieldPath(dotted: string): PropertyPath {
  return dotted.split(".");
}
