/**
 * The command line the engine starts a resource plugin with (pulumi/pulumi
 * sdk/go/common/resource/plugin/plugin.go `buildPluginArguments`, provider_plugin.go
 * `NewProvider`): when logs flow to plugins (`--logflow`), `--logtostderr` and `-v=N`; with
 * tracing, `--tracing ENDPOINT`; then the plugin's own arguments, which for a provider is the
 * engine's gRPC address. With PULUMI_DEBUG_PROVIDERS the engine attaches to a running plugin
 * instead and sends the address in Attach, so no address is also fine.
 */
export interface PluginArgs {
  engineAddress?: string;
  logToStderr: boolean;
  verbose: number;
  tracing?: string;
}

/** Flags that take the next argument as their value when not written `--flag=value`. */
const WITH_VALUE = new Set(["tracing", "v"]);

export function parsePluginArgs(argv: readonly string[]): PluginArgs {
  const out: PluginArgs = { logToStderr: false, verbose: 0 };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    // Go's flag package takes -flag and --flag alike.
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (value === undefined && WITH_VALUE.has(name) && i + 1 < argv.length && !argv[i + 1]!.startsWith("-")) {
      value = argv[++i];
    }
    if (name === "logtostderr") out.logToStderr = value === undefined || value === "true";
    else if (name === "v") out.verbose = Number(value ?? 0) || 0;
    else if (name === "tracing") out.tracing = value;
    // Anything else (--logflow, flags of later engines) changes nothing here.
  }
  const address = positional[positional.length - 1];
  if (address !== undefined) out.engineAddress = address;
  return out;
}
