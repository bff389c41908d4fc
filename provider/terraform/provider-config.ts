/**
 * The provider block: where the region is, the API key and how to trust the region's TLS
 * certificate (a CA bundle or a SHA-256 fingerprint; public values, not sensitive), each
 * falling back to the environment (FIBRIX_ENDPOINT, FIBRIX_API_KEY, FIBRIX_CA_BUNDLE,
 * FIBRIX_TLS_FINGERPRINT) like the SDK and CLI do.
 */
import { FibrixClient } from "../../sdk/client";
import { FibrixError } from "../../sdk/errors";
import { resolveTrust, type TlsTrustOptions } from "../../sdk/tls-trust";
import { attributePath, type Diagnostic, errorDiagnostic } from "./diagnostics";
import { type TfObject, UNKNOWN } from "./dynamic-value";
import type { TfAttribute, TfSchema } from "./schema";
import { TfNumber, TfString, type TfType } from "./tf-type";

function attr(name: string, type: TfType, description: string, sensitive = false): TfAttribute {
  return {
    name,
    apiName: name,
    type,
    description,
    required: false,
    optional: true,
    computed: false,
    sensitive,
    updatable: true,
    writeOnly: false,
  };
}

export const providerSchema: TfSchema = {
  version: 0,
  description: "fibrix-metal: machines, VM pools and VMs of a fibrix region, as code.",
  attributes: [
    attr(
      "endpoint",
      TfString,
      "Region URL, e.g. https://region.girona.fibrix.example (env FIBRIX_ENDPOINT).",
    ),
    attr("api_key", TfString, "API key of the tenant or operator (env FIBRIX_API_KEY).", true),
    attr(
      "ca_bundle",
      TfString,
      "CA certificate(s) to trust for the region's TLS certificate: PEM text or a PEM file's path (env FIBRIX_CA_BUNDLE).",
    ),
    attr(
      "fingerprint",
      TfString,
      "SHA-256 fingerprint of the region's TLS certificate to trust exactly, hex with or without colons (env FIBRIX_TLS_FINGERPRINT).",
    ),
    attr(
      "wait_timeout_seconds",
      TfNumber,
      "Longest wait for commissioning, deploys and VM starts (default 1800).",
    ),
  ],
};

export interface ProviderSettings {
  endpoint: string;
  apiKey: string;
  waitTimeoutMs: number;
  trust: TlsTrustOptions;
}

/** Settings from the configuration and environment, or the diagnostics saying what is missing. */
export function readProviderConfig(
  config: TfObject | null,
  env: NodeJS.ProcessEnv,
  opts: { validateOnly?: boolean } = {},
): { settings?: ProviderSettings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const pick = (name: string, envName: string): string | undefined => {
    const v = config?.[name];
    if (v === UNKNOWN) {
      diagnostics.push(
        errorDiagnostic(
          "Unknown provider configuration",
          `${name} depends on a value not known until apply; set it from a variable or ${envName}.`,
          attributePath(name),
        ),
      );
      return undefined;
    }
    if (typeof v === "string" && v !== "") return v;
    return env[envName] || undefined;
  };
  const endpoint = pick("endpoint", "FIBRIX_ENDPOINT");
  const apiKey = pick("api_key", "FIBRIX_API_KEY");
  if (diagnostics.length > 0) return { diagnostics: opts.validateOnly ? [] : diagnostics };
  if (!endpoint) {
    // `terraform validate` runs without credentials (CI lint): only ConfigureProvider needs them.
    if (opts.validateOnly) return { diagnostics };
    diagnostics.push(
      errorDiagnostic(
        "Missing region endpoint",
        "Set endpoint in the provider block or FIBRIX_ENDPOINT (e.g. http://127.0.0.1:5240).",
        attributePath("endpoint"),
      ),
    );
  } else if (!/^https?:\/\/[^\s]+$/.test(endpoint)) {
    diagnostics.push(
      errorDiagnostic(
        "Invalid region endpoint",
        `endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`,
        attributePath("endpoint"),
      ),
    );
  }
  if (!apiKey && !opts.validateOnly) {
    diagnostics.push(
      errorDiagnostic(
        "Missing API key",
        "Set api_key in the provider block or FIBRIX_API_KEY.",
        attributePath("api_key"),
      ),
    );
  }
  let trust: TlsTrustOptions = {};
  try {
    const caBundle = pick("ca_bundle", "FIBRIX_CA_BUNDLE");
    const fingerprint = pick("fingerprint", "FIBRIX_TLS_FINGERPRINT");
    // Explicit (block or env) values already folded in: the environment must not be read twice.
    trust = resolveTrust(
      {
        ...(caBundle !== undefined ? { caBundle } : {}),
        ...(fingerprint !== undefined ? { fingerprint } : {}),
      },
      { FIBRIX_INSECURE_HTTP: env.FIBRIX_INSECURE_HTTP },
    );
  } catch (e) {
    diagnostics.push(
      errorDiagnostic(
        "Invalid TLS trust",
        e instanceof FibrixError ? e.message : String(e),
        attributePath("fingerprint"),
      ),
    );
  }
  const timeout = config?.wait_timeout_seconds;
  if (typeof timeout === "number" && !(timeout > 0)) {
    diagnostics.push(
      errorDiagnostic(
        "Invalid wait timeout",
        "wait_timeout_seconds must be positive.",
        attributePath("wait_timeout_seconds"),
      ),
    );
  }
  if (diagnostics.length > 0 || !endpoint || !apiKey) return { diagnostics };
  return {
    diagnostics,
    settings: {
      endpoint,
      apiKey,
      waitTimeoutMs: (typeof timeout === "number" ? timeout : 1800) * 1000,
      trust,
    },
  };
}

export function clientFor(s: ProviderSettings): FibrixClient {
  return new FibrixClient({ endpoint: s.endpoint, apiKey: s.apiKey, ...s.trust });
}
