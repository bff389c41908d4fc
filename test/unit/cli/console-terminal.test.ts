import { PassThrough } from "node:stream";
import { runTerminal, scanEscape } from "../../../cli/console-terminal";
import type { ConsoleConnection } from "../../../sdk/resources/vm-console";

test("scanEscape: bytes before Ctrl-] are sent, the rest is dropped", () => {
  expect(scanEscape(Buffer.from("ls\n"))).toEqual({ send: Buffer.from("ls\n"), escaped: false });
  const r = scanEscape(Buffer.from([0x61, 0x62, 0x1d, 0x63]));
  expect(Buffer.from(r.send).toString()).toBe("ab");
  expect(r.escaped).toBe(true);
  expect(scanEscape(Buffer.from([0x1d])).send.length).toBe(0);
});

/** A connection whose far end is in the test's hands (the WebSocket is not used by runTerminal). */
function fakeConnection() {
  const stream = new PassThrough();
  const sent: Buffer[] = [];
  const toConsole = new PassThrough();
  toConsole.on("data", (d: Buffer) => sent.push(d));
  let finish: (v: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    finish = resolve;
  });
  let closes = 0;
  const conn = {
    stream: { write: (b: Uint8Array) => toConsole.write(b), on: stream.on.bind(stream) },
    closed,
    close: () => {
      closes++;
      finish({ code: 1000, reason: "client closed" });
    },
  } as unknown as ConsoleConnection;
  return { conn, output: stream, sent, closes: () => closes, end: finish };
}

function tty() {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
  const modes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (raw: boolean) => {
    modes.push(raw);
  };
  return { input, modes };
}

test("a TTY goes raw, keys go to the console, Ctrl-] ends with 0 and the terminal restored", async () => {
  const f = fakeConnection();
  const { input, modes } = tty();
  const out = new PassThrough();
  let seen = "";
  out.on("data", (d: Buffer) => {
    seen += d.toString();
  });
  const notices: string[] = [];
  const done = runTerminal(f.conn, { input, output: out, notice: (t) => notices.push(t) });
  f.output.write("login: ");
  input.write("root\r");
  input.write(Buffer.from([0x1d]));
  expect(await done).toBe(0);
  expect(Buffer.concat(f.sent).toString()).toBe("root\r");
  expect(seen).toBe("login: ");
  expect(modes).toEqual([true, false]);
  expect(f.closes()).toBe(1);
  expect(notices.join("")).toMatch(/escape: Ctrl-\]/);
});

test("the region ending the session: exit 1 with its reason, and the terminal restored", async () => {
  const f = fakeConnection();
  const { input, modes } = tty();
  const notices: string[] = [];
  const done = runTerminal(f.conn, { input, output: new PassThrough(), notice: (t) => notices.push(t) });
  f.end({ code: 4003, reason: "the rack's side of the console ended (connection lost)" });
  expect(await done).toBe(1);
  expect(modes.at(-1)).toBe(false);
  expect(notices.join("")).toMatch(/connection lost\) \(code 4003\)/);
});

test("piped input: sent as it comes, then the session lingers and closes by itself", async () => {
  const f = fakeConnection();
  const input = new PassThrough();
  const done = runTerminal(f.conn, {
    input,
    output: new PassThrough(),
    notice: () => undefined,
    lingerMs: 50,
  });
  input.end("echo hi\n");
  expect(await done).toBe(0);
  expect(Buffer.concat(f.sent).toString()).toBe("echo hi\n");
});
