/** The image catalogue's pure parts: the summary over hosts and the rack's "same image" check. */
import { sameImage } from "../../../backend/rack/executors/image-import";
import { overallStatus } from "../../../backend/region/routes/images";

const h = (hostId: string, status: string, reason = "") => ({ hostId, status, reason });

test("an image is ready only on every host, failed on any failure, pending otherwise", () => {
  expect(overallStatus([])).toEqual({ status: "pending", statusReason: "no VM host yet" });
  expect(overallStatus([h("a", "ready"), h("b", "pending")])).toEqual({
    status: "pending",
    statusReason: "ready on 1 of 2 VM host(s)",
  });
  expect(overallStatus([h("a", "ready"), h("b", "ready")])).toEqual({
    status: "ready",
    statusReason: "on 2 VM host(s)",
  });
  expect(overallStatus([h("a", "failed", "E: x"), h("b", "ready"), h("c", "failed", "E: y")])).toEqual({
    status: "failed",
    statusReason: "a: E: x; c: E: y",
  });
});

test("an image already on a host counts only with the same os and format", () => {
  const found = { name: "n", os: "ubuntu", format: "qcow2", sizeBytes: 1, volume: "v" } as const;
  expect(sameImage(found, "ubuntu", "qcow2")).toBe(true);
  expect(sameImage(found, "debian", "qcow2")).toBe(false);
  expect(sameImage(found, "ubuntu", "raw")).toBe(false);
});
