import { backoffMs } from "../../../sdk/http";
import { errorFromProblem, NotFoundError, ValidationError } from "../../../sdk/errors";
import { waitFor } from "../../../sdk/waiters";

test("backoff: full jitter under an exponential cap", () => {
  expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoffMs(a, () => 0.999999))).toEqual([
    199, 399, 799, 1599, 3199, 4999, 4999,
  ]);
  expect(backoffMs(3, () => 0)).toBe(0);
});

test("problem+json becomes the catalogue's typed error", () => {
  const v = errorFromProblem({
    type: "x",
    title: "Invalid request",
    status: 400,
    code: "VALIDATION",
    detail: "/macs/0 bad",
    errors: [{ field: "/macs/0", reason: "bad" }],
    retryable: false,
  });
  expect(v).toBeInstanceOf(ValidationError);
  expect(v.errors).toEqual([{ field: "/macs/0", reason: "bad" }]);
  expect(
    errorFromProblem({ type: "x", title: "", status: 404, code: "NOT_FOUND", detail: "d", retryable: false }),
  ).toBeInstanceOf(NotFoundError);
});

test("waitFor reports each change once, fails fast, times out with the last state", async () => {
  const seq = ["New", "Commissioning", "Commissioning", "Ready"];
  const seen: string[] = [];
  let i = 0;
  const got = await waitFor(
    async () => seq[Math.min(i++, seq.length - 1)]!,
    (s) => s === "Ready",
    (s) => s,
    { onProgress: (s) => seen.push(s), sleep: async () => undefined },
  );
  expect(got).toBe("Ready");
  expect(seen).toEqual(["New", "Commissioning", "Ready"]);
  await expect(
    waitFor(
      async () => "FailedCommissioning",
      () => false,
      (s) => s,
      { failWhen: (s) => `is ${s}`, sleep: async () => undefined },
    ),
  ).rejects.toMatchObject({ code: "CONFLICT", message: "is FailedCommissioning" });
  await expect(
    waitFor(
      async () => "Commissioning",
      () => false,
      (s) => s,
      { timeoutMs: 30, intervalMs: 5 },
    ),
  ).rejects.toMatchObject({ code: "TIMEOUT", message: expect.stringMatching(/still Commissioning/) });
});
