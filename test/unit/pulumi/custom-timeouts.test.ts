import { operationTimeoutMs } from "../../../provider/pulumi/custom-timeouts";

describe("operationTimeoutMs", () => {
  test("customTimeouts first, then timeoutSeconds, then the default", () => {
    const props = { timeouts: { create: 60 }, timeoutSeconds: 30 };
    expect(operationTimeoutMs(props, "create", 10)).toBe(60_000);
    expect(operationTimeoutMs(props, "delete", 10)).toBe(30_000);
    expect(operationTimeoutMs({}, "update", 10)).toBe(10_000);
  });
});
