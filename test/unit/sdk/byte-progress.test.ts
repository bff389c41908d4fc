import {
  describeBytes,
  formatByteProgress,
  mibPerSecond,
  parseByteProgress,
} from "../../../sdk/byte-progress";

test("byte progress round-trips through its one text form", () => {
  const p = { phase: "copy", done: 5 * 1024 ** 3, total: 10 * 1024 ** 3 };
  expect(formatByteProgress(p)).toBe("copy 5368709120/10737418240 bytes");
  expect(parseByteProgress(formatByteProgress(p))).toEqual(p);
  expect(parseByteProgress("restore 0/329216 bytes")).toEqual({ phase: "restore", done: 0, total: 329216 });
});

test("other progress messages are not byte progress", () => {
  for (const m of [
    "running (12 s)",
    "copy 1/2",
    "copy x/2 bytes",
    "Copy 1/2 bytes",
    "copy 99999999999999999999/1 bytes",
    "",
  ])
    expect(parseByteProgress(m)).toBeNull();
});

test("terminal figures", () => {
  expect(describeBytes({ done: 512 * 1024 ** 2, total: 1024 ** 3 })).toBe("512.0/1024.0 MiB (50 %)");
  expect(describeBytes({ done: 0, total: 0 })).toBe("0.0/0.0 MiB (0 %)");
  expect(mibPerSecond(10 * 1024 ** 3, 2000)).toBe(5120);
  expect(mibPerSecond(1, 0)).toBe(0);
});
