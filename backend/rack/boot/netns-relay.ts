/**
 * Makes the boot HTTP server reachable inside a network namespace. Node cannot listen in another
 * namespace, but a Unix socket path is visible from every namespace: a tiny relay started with
 * `ip netns exec NS node -e …` listens on the namespace's own address and pipes each connection
 * to the server's Unix socket. Used by the lab and the PXE end-to-end test, where the machines'
 * subnet exists only inside a namespace the test made; a real rack listens on TCP directly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { BootError } from "./boot-error";

const RELAY_JS = `
const net = require("node:net");
const [host, port, sock] = process.argv.slice(1);
const srv = net.createServer((c) => {
  const u = net.connect(sock);
  c.pipe(u); u.pipe(c);
  c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
});
srv.listen(Number(port), host, () => console.log("relay listening"));
process.on("SIGTERM", () => process.exit(0));
// Orphaned (the rack was killed): go, so the next rack can bind the address.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
`;

export interface NetnsRelay {
  pid: number;
  stop(): Promise<void>;
}

export function startNetnsRelay(o: {
  netns: string;
  host: string;
  port: number;
  socketPath: string;
}): Promise<NetnsRelay> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      "ip",
      ["netns", "exec", o.netns, process.execPath, "-e", RELAY_JS, o.host, String(o.port), o.socketPath],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new BootError("BOOT_HTTP_FAILED", `netns relay did not start: ${err}`, true));
    }, 10_000);
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new BootError("BOOT_HTTP_FAILED", `netns relay exited ${code}: ${err}`, true));
    });
    child.stdout?.once("data", () => {
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
