/**
 * `scripts/ha-lab.sh start|status|stop`: the HA lab (backend/lab/patroni-lab.ts) from a shell.
 * `start` leaves the lab running and prints its directory and connection string; `stop DIR`
 * stops exactly the processes recorded in DIR/lab.json (by pid) and removes DIR.
 */
import { leaderOf, postmasterPid, readLabState, roleOf, startLab, stopLab } from "./patroni-lab";

async function main(argv: string[]): Promise<number> {
  const [verb, dir] = argv;
  if (verb === "start") {
    const lab = await startLab({ log: (l) => process.stderr.write(`ha-lab: ${l}\n`) });
    process.stdout.write(`dir=${lab.dir}\nurl=${lab.url}\n`);
    process.stderr.write(`ha-lab: stop with: scripts/ha-lab.sh stop ${lab.dir}\n`);
    return 0;
  }
  if ((verb === "stop" || verb === "status") && dir) {
    const lab = readLabState(dir);
    if (verb === "stop") {
      await stopLab(lab);
      process.stderr.write(`ha-lab: stopped ${lab.dir}\n`);
      return 0;
    }
    for (const n of lab.nodes) {
      const r = await roleOf(n);
      process.stdout.write(
        `${n.name} 127.0.0.1:${n.pgPort} ${r ? `${r.role} ${r.state}` : "no answer"} postmaster=${postmasterPid(n) ?? "-"}\n`,
      );
    }
    process.stdout.write(`leader=${(await leaderOf(lab.nodes))?.name ?? "none"}\nurl=${lab.url}\n`);
    return 0;
  }
  process.stderr.write("usage: ha-lab.sh start | status DIR | stop DIR\n");
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ha-lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
