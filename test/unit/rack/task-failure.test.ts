/** Executor errors → the task result's error: typed errors keep their codes. */
import { ComposeError } from "../../../backend/libvirt/compose";
import { ImageError } from "../../../backend/libvirt/images";
import { LibvirtError } from "../../../backend/libvirt/virsh";
import {
  AuthenticationError,
  ConfigurationError,
  PowerTimeoutError,
  UnreachableError,
} from "../../../backend/power/errors";
import { TaskError } from "../../../backend/rack/executor";
import { toTaskFailure } from "../../../backend/rack/task-failure";

test("power errors keep their code and retryability", () => {
  expect(toTaskFailure(new AuthenticationError("incorrect password"))).toEqual({
    code: "POWER_AUTHENTICATION",
    message: "incorrect password",
    retryable: false,
  });
  expect(toTaskFailure(new PowerTimeoutError("no answer"))).toMatchObject({
    code: "POWER_TIMEOUT",
    retryable: true,
  });
  expect(toTaskFailure(new UnreachableError("refused")).code).toBe("POWER_UNREACHABLE");
  expect(toTaskFailure(new ConfigurationError("bad port", "port")).code).toBe("POWER_CONFIGURATION");
});

test("task errors keep theirs", () => {
  expect(toTaskFailure(new TaskError("UNSUPPORTED", "no", false))).toEqual({
    code: "UNSUPPORTED",
    message: "no",
    retryable: false,
  });
  expect(toTaskFailure(new TaskError("BUSY", "later", true)).retryable).toBe(true);
});

test("libvirt's generic codes say where they came from; image errors keep theirs", () => {
  expect(toTaskFailure(new LibvirtError("UNREACHABLE", "no host", true))).toMatchObject({
    code: "LIBVIRT_UNREACHABLE",
    retryable: true,
  });
  const cause = new LibvirtError("FAILED", "bridge br9 missing", false);
  expect(
    toTaskFailure(new ComposeError("FAILED", "start", "compose failed at start", false, [], cause)),
  ).toEqual({
    code: "LIBVIRT_FAILED",
    message: "compose failed at start",
    retryable: false,
  });
  const img = new ImageError("IMAGE_NOT_FOUND", "no image tiny");
  expect(
    toTaskFailure(new ComposeError("IMAGE_NOT_FOUND", "image", "compose: no image", false, [], img)).code,
  ).toBe("IMAGE_NOT_FOUND");
  expect(toTaskFailure(img).code).toBe("IMAGE_NOT_FOUND");
});

test("system errors and anything else become rack codes, within the region's limits", () => {
  const enoent = Object.assign(new Error("spawn virsh ENOENT"), { code: "ENOENT" });
  expect(toTaskFailure(enoent)).toMatchObject({ code: "RACK_ENOENT", retryable: false });
  expect(toTaskFailure(new Error("boom"))).toEqual({
    code: "RACK_INTERNAL",
    message: "boom",
    retryable: false,
  });
  expect(toTaskFailure("text")).toMatchObject({ code: "RACK_INTERNAL", message: "text" });
  expect(toTaskFailure({ code: "lower case" }).code).toBe("RACK_INTERNAL");
  const long = toTaskFailure(new TaskError(`X${"_".repeat(100)}`, "m".repeat(10_000)));
  expect(long.code.length).toBe(64);
  expect(long.message.length).toBe(4096);
});
