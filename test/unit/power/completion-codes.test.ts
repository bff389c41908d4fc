import { AuthenticationError, BmcError, UnsupportedError } from "../../../backend/power/errors";
import {
  classifyCompletionCode,
  completionCodeError,
  completionCodeMessage,
  isRetryableCompletionCode,
} from "../../../backend/power/ipmi15/completion-codes";

describe("completion codes (spec 5.2)", () => {
  test("generic, command-specific, OEM and unknown codes get messages", () => {
    expect(completionCodeMessage(0xc1)).toBe("Invalid command (0xc1)");
    expect(completionCodeMessage(0xcc)).toBe("Invalid data field in request (0xcc)");
    expect(completionCodeMessage(0x81, 0x06, 0x39)).toBe("Invalid user name (0x81)");
    // response NetFn (odd) finds the same table as the request NetFn
    expect(completionCodeMessage(0x86, 0x07, 0x3a)).toMatch(/exceeds user/);
    expect(completionCodeMessage(0x81)).toBe("Command-specific completion code (0x81)");
    expect(completionCodeMessage(0x05)).toBe("Device-specific (OEM) completion code (0x05)");
    expect(completionCodeMessage(0xe0)).toBe("Unknown completion code (0xe0)");
  });

  test("classification drives retry decisions", () => {
    expect(classifyCompletionCode(0)).toBe("ok");
    expect(classifyCompletionCode(0xc0)).toBe("busy");
    expect(classifyCompletionCode(0xd5)).toBe("unsupported");
    expect(classifyCompletionCode(0xd4)).toBe("privilege");
    expect(classifyCompletionCode(0xcb)).toBe("not-present");
    expect(classifyCompletionCode(0xc5)).toBe("reservation");
    expect(classifyCompletionCode(0xca)).toBe("too-long");
    expect(isRetryableCompletionCode(0xc0)).toBe(true);
    expect(isRetryableCompletionCode(0xd2)).toBe(true);
    expect(isRetryableCompletionCode(0xcc)).toBe(false);
  });

  test("completionCodeError maps to the typed error table", () => {
    expect(completionCodeError(0xd4, 0, 2, "Chassis Control")).toBeInstanceOf(AuthenticationError);
    expect(completionCodeError(0xc1, 0, 9, "Get System Boot Options")).toBeInstanceOf(UnsupportedError);
    const busy = completionCodeError(0xc0, 0, 2, "Chassis Control");
    expect(busy).toBeInstanceOf(BmcError);
    expect(busy.retryable).toBe(true);
    expect(busy.code).toBe("POWER_BMC_ERROR");
    expect((busy as BmcError).completionCode).toBe(0xc0);
    const invalid = completionCodeError(0xcc, 0, 2, "Chassis Control");
    expect(invalid.retryable).toBe(false);
    expect(invalid.message).toBe("Chassis Control: Invalid data field in request (0xcc)");
  });
});
