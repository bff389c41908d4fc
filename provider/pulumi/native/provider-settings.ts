/**
 * The provider's own configuration: `endpoint`, the secret `apiKey` and the TLS trust
 * (`caBundle` or `fingerprint`, public: not secrets) (stack config `fibrix:endpoint` /
 * `fibrix:apiKey` / …, or an explicit `new fibrix.Provider(…)`), with FIBRIX_ENDPOINT /
 * FIBRIX_API_KEY / FIBRIX_CA_BUNDLE / FIBRIX_TLS_FINGERPRINT as fallbacks (provider-config.ts
 * `resolveSettings`).
 *
 * CheckConfig validates and marks the key secret; DiffConfig never asks for a replacement (a
 * new endpoint or key is the same machines seen through another door, and a replacement would
 * replace every resource of the provider: step_generator.go `providerChanged`); Configure hands
 * the settings to provider-config.ts, where every hook's `regionClient()` reads them.
 */
import { normalizeFingerprint } from "../../../sdk/tls-trust";
import {
  CONFIG_API_KEY,
  CONFIG_CA_BUNDLE,
  CONFIG_ENDPOINT,
  CONFIG_FINGERPRINT,
  type ConfigSource,
  configureProvider,
} from "../provider-config";
import type { CheckFailure } from "../schema-check";
import { UNKNOWN } from "../schema-check";
import type { DiffAnswer } from "./diff-mapping";
import type { PropertyPath } from "./property-codec";

export const SETTING_KEYS = ["endpoint", "apiKey", "caBundle", "fingerprint"] as const;
/** The provider inputs the engine itself adds (providers/registry.go). */
const ENGINE_KEYS = ["version", "pluginDownloadURL"];

export const SECRET_SETTINGS: PropertyPath[] = [["apiKey"]];

function isUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** CheckConfig: failures name the property; unknowns (a config computed from an output) pass. */
export function checkSettings(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const { endpoint, apiKey, caBundle, fingerprint } = news;
  if (endpoint !== undefined && endpoint !== UNKNOWN) {
    if (typeof endpoint !== "string" || !isUrl(endpoint)) {
      failures.push({
        property: "endpoint",
        reason: "must be the region's http(s) URL, e.g. https://girona.fibrix.example",
      });
    }
  }
  if (apiKey !== undefined && apiKey !== UNKNOWN && (typeof apiKey !== "string" || apiKey === "")) {
    failures.push({ property: "apiKey", reason: "must be an API key (fbx_…)" });
  }
  if (caBundle !== undefined && caBundle !== UNKNOWN && (typeof caBundle !== "string" || caBundle === "")) {
    failures.push({ property: "caBundle", reason: "must be PEM text or the path of a PEM file" });
  }
  if (fingerprint !== undefined && fingerprint !== UNKNOWN) {
    try {
      if (typeof fingerprint !== "string") throw new Error();
      normalizeFingerprint(fingerprint);
    } catch {
      failures.push({
        property: "fingerprint",
        reason: "must be a SHA-256 fingerprint: 64 hex digits, colons optional",
      });
    }
  }
  if (
    typeof caBundle === "string" &&
    typeof fingerprint === "string" &&
    caBundle !== UNKNOWN &&
    fingerprint !== UNKNOWN
  ) {
    failures.push({
      property: "fingerprint",
      reason: "cannot be combined with caBundle: trust one or the other",
    });
  }
  for (const k of Object.keys(news)) {
    if (!(SETTING_KEYS as readonly string[]).includes(k) && !ENGINE_KEYS.includes(k)) {
      failures.push({ property: k, reason: `is not a fibrix provider setting (${SETTING_KEYS.join(", ")})` });
    }
  }
  return failures;
}

/** DiffConfig: which settings changed; never a replacement. */
export function diffSettings(olds: Record<string, unknown>, news: Record<string, unknown>): DiffAnswer {
  const changed = SETTING_KEYS.filter((k) => news[k] === UNKNOWN || (olds[k] ?? null) !== (news[k] ?? null));
  return {
    changes: changed.length > 0 ? "DIFF_SOME" : "DIFF_NONE",
    replaces: [],
    stables: [],
    deleteBeforeReplace: false,
    diffs: changed,
    detailedDiff: Object.fromEntries(
      changed.map((k) => [
        k,
        {
          kind: olds[k] === undefined ? "ADD" : news[k] === undefined ? "DELETE" : "UPDATE",
          inputDiff: true,
        },
      ]),
    ),
  };
}

/**
 * The settings as provider-config.ts reads them: Configure's `args` (the provider's inputs),
 * else the deprecated `variables` (`fibrix:config:endpoint`, and `fibrix:endpoint` of older
 * engines), else the environment (resolveSettings).
 */
export function settingsSource(
  args: Record<string, unknown>,
  variables: ReadonlyMap<string, string>,
): ConfigSource {
  const value = (key: (typeof SETTING_KEYS)[number]): string | undefined => {
    const v = args[key];
    if (typeof v === "string" && v !== "" && v !== UNKNOWN) return v;
    return variables.get(`fibrix:config:${key}`) ?? variables.get(`fibrix:${key}`);
  };
  return {
    get(key: string) {
      if (key === CONFIG_ENDPOINT) return value("endpoint");
      if (key === CONFIG_API_KEY) return value("apiKey");
      if (key === CONFIG_CA_BUNDLE) return value("caBundle");
      if (key === CONFIG_FINGERPRINT) return value("fingerprint");
      return undefined;
    },
  };
}

export function configure(args: Record<string, unknown>, variables: ReadonlyMap<string, string>): void {
  configureProvider(settingsSource(args, variables));
}
