/** Runs `fibrix …args` in-process (`main(argv, io)`) with its output captured, against `endpoint`. */
import type { CliIo } from "../../cli/io";
import { main } from "../../cli/main";
import { ADMIN_KEY } from "./region";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(endpoint: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    env: { FIBRIX_ENDPOINT: endpoint, FIBRIX_API_KEY: ADMIN_KEY, ...env },
    onStop: () => () => undefined,
  };
  const code = await main(["node", "fibrix", ...args], io);
  return { code, stdout, stderr };
}
