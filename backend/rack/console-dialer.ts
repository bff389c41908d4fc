/**
 * How the rack reaches a VM's serial console socket (`<serial type='unix'>`, see
 * backend/libvirt/domain-xml.ts) on its VM host:
 * - a local libvirt URI (`qemu:///system`, `qemu+unix://…`): connect to the UNIX socket;
 * - `qemu+ssh://[user@]host[:port]/system`: `ssh … host socat - UNIX-CONNECT:PATH`, the same
 *   ssh access virsh already uses for that host (the host needs socat; the key or agent that
 *   virsh uses, with `?keyfile=` honoured);
 * - any other transport (tcp, tls): no console (a clear CONSOLE_UNAVAILABLE).
 * `consoleRoute` is pure; `openConsole` does the I/O.
 */
import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { Duplex } from "node:stream";
import { TaskError } from "./executor";

export type ConsoleRoute = { kind: "local"; path: string } | { kind: "ssh"; argv: string[] };

/** A word for the remote shell that ssh hands its command to. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function consoleRoute(uri: string, path: string): ConsoleRoute {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new TaskError("CONSOLE_UNAVAILABLE", `cannot read the VM host's libvirt URI ${uri}`);
  }
  const transport = u.protocol.replace(/:$/, "").split("+")[1] ?? "";
  if ((transport === "" || transport === "unix") && u.hostname === "") return { kind: "local", path };
  if (transport === "ssh") {
    // socat's address syntax gives ',' and ':' meanings of their own after the first ':'.
    if (/[,]/.test(path))
      throw new TaskError("CONSOLE_UNAVAILABLE", `console socket path ${path} has a comma`);
    const argv = ["ssh", "-T", "-o", "BatchMode=yes"];
    if (u.port) argv.push("-p", u.port);
    const keyfile = u.searchParams.get("keyfile");
    if (keyfile) argv.push("-i", keyfile);
    argv.push("--", `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.hostname}`);
    argv.push(`socat - ${shellQuote(`UNIX-CONNECT:${path}`)}`);
    return { kind: "ssh", argv };
  }
  throw new TaskError(
    "CONSOLE_UNAVAILABLE",
    `the rack cannot reach console sockets over ${u.protocol}// (local or qemu+ssh:// hosts only)`,
  );
}

/** The console's byte stream; destroying it closes the socket (or ends the ssh). */
export async function openConsole(route: ConsoleRoute, signal?: AbortSignal): Promise<Duplex> {
  if (route.kind === "local") {
    const sock = createConnection(route.path);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        sock.destroy();
        reject(new TaskError("ABORTED", "aborted while opening the console"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      sock.once("connect", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      sock.once("error", (e: NodeJS.ErrnoException) => {
        signal?.removeEventListener("abort", onAbort);
        reject(
          new TaskError(
            "CONSOLE_UNAVAILABLE",
            e.code === "ENOENT" || e.code === "ECONNREFUSED"
              ? `the VM's console socket ${route.path} is not there (${e.code}): is the VM running on this host?`
              : `cannot open the console socket ${route.path}: ${e.message}`,
          ),
        );
      });
    });
    return sock;
  }
  const [cmd, ...args] = route.argv;
  const child = spawn(cmd!, args, { stdio: ["pipe", "pipe", "pipe"], signal });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (e) => reject(new TaskError("CONSOLE_UNAVAILABLE", `ssh: ${e.message}`)));
  });
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  stream.on("close", () => child.kill());
  child.once("exit", (code) => {
    if (code !== 0 && stderr) stream.destroy(new Error(`ssh console: ${stderr.trim()}`));
  });
  return stream;
}
