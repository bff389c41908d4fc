import { ConsoleSessions, closeReason } from "../../../backend/region/console-sessions";

test("one session per VM by default: the second is a 409 naming the first and its owner", () => {
  const s = new ConsoleSessions();
  const a = s.create("vm_1", "rck_1", "tenant:t1:ci");
  expect(a.id).toMatch(/^cns_[0-9a-f]{16}$/);
  expect(() => s.create("vm_1", "rck_1", "tenant:t1:other")).toThrow(
    expect.objectContaining({ status: 409, message: expect.stringContaining(`${a.id} of tenant:t1:ci`) }),
  );
  // Other VMs are not affected; a dropped session frees its VM.
  expect(s.create("vm_2", "rck_1", "x").vmId).toBe("vm_2");
  s.drop(a.id, "test");
  expect(s.count("vm_1")).toBe(0);
  expect(s.create("vm_1", "rck_1", "x").vmId).toBe("vm_1");
});

test("only the session's own rack may dial in for it, and only for a live session", () => {
  const s = new ConsoleSessions({ perVm: 2 });
  const a = s.create("vm_1", "rck_1", "x");
  expect(s.expects(a.id, "rck_1")).toBe(true);
  expect(s.expects(a.id, "rck_2")).toBe(false);
  expect(s.expects("cns_0000000000000000", "rck_1")).toBe(false);
  s.drop(a.id, "gone");
  expect(s.expects(a.id, "rck_1")).toBe(false);
});

test("waitForRack: a failure found by the check ends the wait; no rack and no failure is a timeout", async () => {
  const s = new ConsoleSessions();
  const a = s.create("vm_1", "rck_1", "x");
  let calls = 0;
  const failed = await s.waitForRack(
    a.id,
    5_000,
    async () => (++calls >= 2 ? new Error("CONSOLE_UNAVAILABLE") : null),
    5,
  );
  expect(failed).toBeInstanceOf(Error);
  expect(await s.waitForRack(a.id, 30, async () => null, 5)).toBe("timeout");
});

test("close reasons are cut to the 123 bytes a close frame holds, never inside a character", () => {
  expect(closeReason("short")).toBe("short");
  const long = "é".repeat(100); // 200 bytes
  const cut = closeReason(long);
  expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
  expect(cut).toBe("é".repeat(61));
});
