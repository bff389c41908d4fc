import { ConfigurationError, UnsupportedError } from "../../../backend/power/errors";
import {
  POWER_DRIVERS,
  createPowerDriver,
  redactPowerParameters,
  validatePowerParameters,
} from "../../../backend/power/registry";
import { normalizeMac } from "../../../backend/power/settings";
import { powerStateFromDomstate, virshFailure, withBootDevice } from "../../../backend/power/virsh";
import { magicPacket } from "../../../backend/power/wol";
import { powerParameters } from "../../../cli/commands/power";

describe("power driver registry and parameter validation (pure, no I/O)", () => {
  test("the registry lists ipmi, virsh, wol, manual with their settings", () => {
    expect(POWER_DRIVERS.map((d) => d.name)).toEqual(["ipmi", "virsh", "wol", "manual"]);
    const ipmi = POWER_DRIVERS[0]!;
    expect(ipmi.settings.find((s) => s.name === "password")).toMatchObject({ secret: true, required: true });
    expect(ipmi.settings.find((s) => s.name === "authType")?.choices).toEqual([
      "md5",
      "password",
      "md2",
      "none",
    ]);
  });

  test("ipmi: defaults filled, strings coerced, secrets redacted", () => {
    const v = validatePowerParameters("ipmi", { address: "10.0.0.5", password: "s3cret", port: "6230" });
    expect(v).toEqual({
      ipmiVersion: "1.5",
      address: "10.0.0.5",
      port: 6230,
      user: "",
      password: "s3cret",
      authType: "md5",
      privilege: "admin",
      timeoutMs: 2000,
    });
    expect(redactPowerParameters("ipmi", v)["password"]).toBe("********");
  });

  test("every problem is reported in one ConfigurationError", () => {
    try {
      validatePowerParameters("ipmi", { port: "99999", authType: "rc4", bogus: 1 });
      throw new Error("expected a ConfigurationError");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigurationError);
      const m = (e as ConfigurationError).message;
      for (const part of [
        "bogus: unknown parameter",
        "address: is required",
        "password: is required",
        "port: must be <= 65535",
        "authType: must be one of",
      ]) {
        expect(m).toContain(part);
      }
      expect((e as ConfigurationError).retryable).toBe(false);
    }
    expect(() => validatePowerParameters("smoke-signals", {})).toThrow(/unknown power type/);
  });

  test("wol and virsh parameters", () => {
    expect(validatePowerParameters("wol", { mac: "52-54-00-AB-CD-EF" })).toEqual({
      mac: "52:54:00:ab:cd:ef",
      broadcast: "255.255.255.255",
      port: 9,
    });
    expect(() => validatePowerParameters("wol", { mac: "52:54:00:ab:cd" })).toThrow(/mac: must be a MAC/);
    expect(() => validatePowerParameters("virsh", { uri: "qemu:///system" })).toThrow(/domain: is required/);
    expect(normalizeMac("525400abcdef")).toBe("52:54:00:ab:cd:ef");
    expect(normalizeMac("52:54-00:ab:cd:ef")).toBeUndefined();
  });

  test("creating a driver validates first and contacts nothing", async () => {
    expect(() => createPowerDriver("ipmi", { address: "127.0.0.1" })).toThrow(ConfigurationError);
    const manual = createPowerDriver("manual", {});
    await manual.on();
    expect(await manual.status()).toBe("unknown");
    const wol = createPowerDriver("wol", { mac: "52:54:00:12:34:56", broadcast: "127.0.0.1" });
    await expect(wol.off()).rejects.toBeInstanceOf(UnsupportedError);
    expect(await wol.status()).toBe("unknown");
  });

  test("CLI options map onto each driver's parameters", () => {
    expect(
      powerParameters({ type: "ipmi", address: "h", user: "u", auth: "password", timeout: "500" }, "pw"),
    ).toEqual({
      address: "h",
      port: undefined,
      user: "u",
      password: "pw",
      authType: "password",
      timeoutMs: "500",
    });
    expect(powerParameters({ type: "wol", mac: "m", address: "b" }, undefined)).toEqual({
      mac: "m",
      broadcast: "b",
      port: undefined,
    });
  });
});

describe("wol magic packet", () => {
  test("6 × FF then the MAC 16 times (102 bytes)", () => {
    const p = magicPacket("01:23:45:67:89:ab");
    expect(p.length).toBe(102);
    expect(p.subarray(0, 6).toString("hex")).toBe("ffffffffffff");
    for (let i = 0; i < 16; i++)
      expect(p.subarray(6 + i * 6, 12 + i * 6).toString("hex")).toBe("0123456789ab");
    expect(() => magicPacket("nope")).toThrow(ConfigurationError);
  });
});

describe("virsh helpers", () => {
  test("domstate → power state", () => {
    expect(powerStateFromDomstate("running\n\n")).toBe("on");
    expect(powerStateFromDomstate("paused\n")).toBe("on");
    expect(powerStateFromDomstate("shut off\n")).toBe("off");
    expect(powerStateFromDomstate("crashed")).toBe("off");
    expect(powerStateFromDomstate("weird")).toBe("unknown");
  });

  test("failure table", () => {
    expect(virshFailure("start", "error: failed to connect to the hypervisor").code).toBe(
      "POWER_UNREACHABLE",
    );
    expect(virshFailure("start", "error: failed to get domain 'x'").code).toBe("POWER_CONFIGURATION");
    expect(virshFailure("start", "error: something else").code).toBe("POWER_ACTION_FAILED");
    expect(virshFailure("start", "error: something else").retryable).toBe(true);
  });

  test("boot device rewrite of <os>", () => {
    const xml = `<domain type='qemu'>\n  <name>n1</name>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n</domain>\n`;
    const pxe = withBootDevice(xml, "pxe");
    expect(pxe).toContain(
      "<type arch='x86_64' machine='pc'>hvm</type>\n    <boot dev='network'/>\n    <boot dev='hd'/>\n  </os>",
    );
    expect(pxe.match(/<boot /g)?.length).toBe(2);
    const disk = withBootDevice(pxe, "disk");
    expect(disk.match(/<boot /g)?.length).toBe(1);
    expect(disk).toContain("<boot dev='hd'/>");
    expect(() =>
      withBootDevice(xml.replace("</domain>", "<disk><boot order='1'/></disk></domain>"), "pxe"),
    ).toThrow(UnsupportedError);
  });
});
