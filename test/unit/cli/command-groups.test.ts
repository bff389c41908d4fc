/** The CLI loads only the command group argv names; the registry must match the groups' own names. */
import { GROUPS, groupsFor } from "../../../cli/command-groups";
import { buildProgram } from "../../../cli/main";

const io = { out: () => undefined, err: () => undefined, env: {}, onStop: () => () => undefined };
const argv = (...args: string[]) => ["node", "fibrix", ...args];

test("each group's registered names are the name and aliases its module declares", () => {
  for (const g of GROUPS) {
    const cmd = g.load(io);
    expect([cmd.name(), ...cmd.aliases()]).toEqual(g.names);
  }
});

test("a named group loads alone; help, `help X`, typos and no command load every group", () => {
  const names = (a: string[]) => groupsFor(a).map((g) => g.names[0]);
  expect(names(argv("region", "serve", "--data", "x"))).toEqual(["region"]);
  expect(names(argv("--json", "--endpoint", "machines", "machine", "list"))).toEqual(["machines"]);
  expect(names(argv("--api-key=k", "vm", "list"))).toEqual(["vms"]);
  for (const a of [argv(), argv("--help"), argv("-h", "region"), argv("help", "region"), argv("machnes")]) {
    expect(groupsFor(a)).toBe(GROUPS);
  }
});

test("the program built for one group has just that group; without argv, all of them in help order", () => {
  expect(buildProgram(io, argv("region", "serve")).commands.map((c) => c.name())).toEqual(["region"]);
  expect(buildProgram(io).commands.map((c) => c.name())).toEqual(GROUPS.map((g) => g.names[0]));
});
