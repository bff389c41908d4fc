import { closeMessage, stateLabel } from "../../../ui/src/console-session";
import { CONSOLE_CLOSE } from "../../../sdk/console";

test("every close code of the console contract has its own words", () => {
  const codes = Object.values(CONSOLE_CLOSE);
  const words = codes.map((c) => closeMessage(c, ""));
  expect(new Set(words).size).toBe(codes.length);
  for (const w of words) expect(w).not.toMatch(/code/);
  expect(closeMessage(4999, "")).toBe("closed with code 4999");
  expect(closeMessage(1006, "")).toBe("the connection was lost");
});

test("the region's reason is kept beside the meaning, unless it says the same", () => {
  expect(closeMessage(CONSOLE_CLOSE.IDLE, "idle for 900 s")).toBe(
    "ended after a long idle time: idle for 900 s",
  );
  expect(closeMessage(CONSOLE_CLOSE.NORMAL, "disconnected")).toBe("disconnected");
  expect(closeMessage(CONSOLE_CLOSE.NORMAL, "  ")).toBe("disconnected");
});

test("the state line says how to leave the terminal by keyboard while connected", () => {
  expect(stateLabel({ kind: "connected", since: 0 })).toMatch(/Ctrl-\] disconnects/);
  expect(stateLabel({ kind: "closed", code: 4003, message: closeMessage(4003, "") })).toBe(
    "Disconnected (the rack carrying the console went away)",
  );
  expect(stateLabel({ kind: "idle" })).toBe("Not connected");
});
