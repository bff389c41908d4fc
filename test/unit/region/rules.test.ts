import type { PowerParameters } from "../../../sdk/schema/machine";
import { fieldErrors } from "../../../backend/region/problem";
import { checkPowerParameters, driverSettings } from "../../../sdk/model/power-check";
import { checkRackNetwork } from "../../../sdk/model/rack-network";
import { intToIp, ipToInt } from "../../../sdk/model/ipv4";
import { SecretBox } from "../../../backend/region/store/secret-box";
import { randomBytes } from "node:crypto";

test("rack network rules name each bad field", () => {
  expect(checkRackNetwork("10.0.0.0/24", "10.0.0.1", { start: "10.0.0.100", end: "10.0.0.200" })).toEqual([]);
  const errs = checkRackNetwork("10.0.0.5/24", "10.0.1.1", { start: "10.0.0.200", end: "10.0.0.100" });
  expect(errs.map((e) => e.field).sort()).toEqual(["/dhcpRange", "/gateway", "/subnet"]);
  expect(
    checkRackNetwork("10.0.0.0/24", "10.0.0.150", { start: "10.0.0.100", end: "10.0.0.200" })[0],
  ).toEqual({
    field: "/gateway",
    reason: "must not be inside the DHCP range",
  });
  expect(checkRackNetwork("10.0.0.0/31", null, { start: "10.0.0.0", end: "10.0.0.1" })[0]!.field).toBe(
    "/subnet",
  );
});

test("power parameters are checked against each driver's declared settings", () => {
  const macs = ["52:54:00:00:00:01"];
  expect(
    checkPowerParameters({ type: "ipmi", address: "10.0.0.9", user: "root", password: "calvin" }, macs),
  ).toEqual([]);
  expect(checkPowerParameters({ type: "ipmi", address: "bmc-1.girona", user: "root" }, macs)).toEqual([
    { field: "/power/password", reason: "is required" },
  ]);
  expect(checkPowerParameters({ type: "ipmi", address: "bmc-1", user: "root" }, macs, true)).toEqual([]);
  expect(
    checkPowerParameters(
      // Not even a valid PowerParameters any more (the API schema is built from the driver).
      {
        type: "ipmi",
        address: "bmc-1",
        user: "r",
        password: "p",
        ipmiVersion: "2.0",
      } as unknown as PowerParameters,
      macs,
    ),
  ).toEqual([{ field: "/power/ipmiVersion", reason: 'must be one of 1.5, got "2.0"' }]);
  expect(checkPowerParameters({ type: "virsh", uri: "qemu:///system" }, macs).map((e) => e.field)).toEqual([
    "/power/domain",
  ]);
  expect(checkPowerParameters({ type: "manual", address: "x" }, macs)).toEqual([
    { field: "/power/address", reason: "does not apply to power type manual" },
  ]);
  expect(checkPowerParameters({ type: "wol" }, macs)).toEqual([]);
  expect(driverSettings({ type: "wol", port: 7 }, macs)).toEqual({ port: 7, mac: "52:54:00:00:00:01" });
  expect(
    checkPowerParameters({ type: "ipmi", address: "a", user: "u", password: "p", authType: "none" }, macs)[0]!
      .field,
  ).toBe("/power/authType");
});

test("ajv errors become one reason per field pointer", () => {
  const out = fieldErrors(
    [
      { instancePath: "", keyword: "required", params: { missingProperty: "name" } },
      { instancePath: "", keyword: "additionalProperties", params: { additionalProperty: "nmae" } },
      {
        instancePath: "/macs/0",
        keyword: "pattern",
        params: { pattern: "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$" },
      },
      { instancePath: "/macs/0", keyword: "type", params: {}, message: "must be string" },
    ],
    "body",
  );
  expect(out).toEqual([
    { field: "/name", reason: "is required" },
    { field: "/nmae", reason: "is not a known field" },
    { field: "/macs/0", reason: "is not valid (must be a MAC address like 52:54:00:12:34:56)" },
  ]);
  expect(
    fieldErrors(
      [{ instancePath: "/limit", keyword: "maximum", params: {}, message: "must be <= 10000" }],
      "querystring",
    ),
  ).toEqual([{ field: "querystring:/limit", reason: "must be <= 10000" }]);
});

test("ipv4 arithmetic round-trips", () => {
  for (const ip of ["0.0.0.0", "10.20.30.40", "255.255.255.255", "192.0.2.1"])
    expect(intToIp(ipToInt(ip))).toBe(ip);
});

test("secret box: AES-256-GCM round trip, random nonce, tamper detected", () => {
  const box = SecretBox.fromKey(randomBytes(32));
  const a = box.seal("calvin");
  expect(a).not.toContain("calvin");
  expect(box.seal("calvin")).not.toBe(a);
  expect(box.open(a)).toBe("calvin");
  const raw = Buffer.from(a.slice(3), "base64");
  raw[raw.length - 1]! ^= 1;
  expect(() => box.open(`v1:${raw.toString("base64")}`)).toThrow();
  expect(() => SecretBox.fromKey(randomBytes(16))).toThrow(/32 bytes/);
});
