/**
 * Where the provider finds its region: the stack's Pulumi config (`fibrix:endpoint`,
 * `fibrix:apiKey`, set with `pulumi config set --secret fibrix:apiKey …`) or, failing that,
 * FIBRIX_ENDPOINT / FIBRIX_API_KEY in the environment of `pulumi`; the region's certificate is
 * trusted by `fibrix:caBundle` or `fibrix:fingerprint` (or FIBRIX_CA_BUNDLE /
 * FIBRIX_TLS_FINGERPRINT), else by the system's CAs.
 *
 * The engine hands a dynamic provider the stack config through `configure`; the settings are
 * kept here, in the provider process's own copy of this module, and never in the serialized
 * provider (which is stored in the state file).
 */
import { FibrixClient } from "../../sdk/client";
import { resolveTrust, type TlsTrustOptions } from "../../sdk/tls-trust";

export interface ProviderSettings extends TlsTrustOptions {
  endpoint: string;
  apiKey: string;
}

/** The part of Pulumi's dynamic-provider Config the provider reads. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

export const CONFIG_ENDPOINT = "fibrix:endpoint";
export const CONFIG_API_KEY = "fibrix:apiKey";
export const CONFIG_CA_BUNDLE = "fibrix:caBundle";
export const CONFIG_FINGERPRINT = "fibrix:fingerprint";

/** No endpoint or key anywhere: a settings error, never worth retrying. */
export class ProviderConfigError extends Error {
  readonly code = "PROVIDER_CONFIG";
  readonly retryable = false;
  constructor(readonly missing: string[]) {
    super(
      `fibrix provider: no ${missing.join(" and no ")} configured. Set ${missing
        .map((m) =>
          m === "endpoint"
            ? `\`pulumi config set ${CONFIG_ENDPOINT} http://region:5240\` (or FIBRIX_ENDPOINT)`
            : `\`pulumi config set --secret ${CONFIG_API_KEY} fbx_…\` (or FIBRIX_API_KEY)`,
        )
        .join(" and ")}.`,
    );
    this.name = "ProviderConfigError";
  }
}

function readConfig(config: ConfigSource | undefined, key: string): string | undefined {
  try {
    const v = config?.get(key);
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    // An engine that passed no config at all: fall back to the environment.
    return undefined;
  }
}

/** Pulumi config first, then the environment; throws ProviderConfigError naming what is missing. */
export function resolveSettings(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings {
  const endpoint = readConfig(config, CONFIG_ENDPOINT) ?? (env.FIBRIX_ENDPOINT || undefined);
  const apiKey = readConfig(config, CONFIG_API_KEY) ?? (env.FIBRIX_API_KEY || undefined);
  const missing = [...(endpoint ? [] : ["endpoint"]), ...(apiKey ? [] : ["apiKey"])];
  if (missing.length > 0 || !endpoint || !apiKey) throw new ProviderConfigError(missing);
  const caBundle = readConfig(config, CONFIG_CA_BUNDLE);
  const fingerprint = readConfig(config, CONFIG_FINGERPRINT);
  const trust = resolveTrust(
    {
      ...(caBundle !== undefined ? { caBundle } : {}),
      ...(fingerprint !== undefined ? { fingerprint } : {}),
    },
    env,
  );
  return { endpoint, apiKey, ...trust };
}

let configured: ConfigSource | undefined;

/** Called from the dynamic provider's `configure` with the stack config. */
export function configureProvider(config: ConfigSource | undefined): void {
  configured = config;
}

/** A client for the configured region (resolved on each call: env changes in tests are seen). */
export function regionClient(): FibrixClient {
  return new FibrixClient(resolveSettings(configured));
}
