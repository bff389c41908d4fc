/**
 * The `terraform-provider-fibrix` process: handshake, serve, and end cleanly when Terraform
 * says so (StopProvider or GRPCController.Shutdown) or kills us with SIGTERM/SIGINT.
 */
import { HandshakeError, servePlugin } from "./handshake";
import { ProviderServer } from "./server";

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let stop: () => void = () => process.exit(0);
  const provider = new ProviderServer(env, () => stop());
  try {
    const plugin = await servePlugin(
      provider,
      env,
      (l) => process.stdout.write(l),
      () => provider.stop(),
    );
    let stopping = false;
    stop = () => {
      if (stopping) return;
      stopping = true;
      plugin.shutdown().then(() => process.exit(0));
    };
    process.on("SIGTERM", () => provider.stop());
    // Like go-plugin: Ctrl-C reaches the whole process group, but Terraform decides (StopProvider).
    process.on("SIGINT", () => {});
  } catch (e) {
    if (e instanceof HandshakeError && e.code === "NOT_A_PLUGIN") process.stderr.write(e.message);
    else process.stderr.write(`terraform-provider-fibrix: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
