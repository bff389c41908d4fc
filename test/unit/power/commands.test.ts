import fc from "fast-check";
import { ProtocolError } from "../../../backend/power/errors";
import { AuthType } from "../../../backend/power/ipmi15/auth";
import * as app from "../../../backend/power/ipmi15/commands/app";
import * as chassis from "../../../backend/power/ipmi15/commands/chassis";
import * as sel from "../../../backend/power/ipmi15/commands/sel";
import { decodeLanRequest, decodeLanResponse } from "../../../backend/power/ipmi15/lan-message";
import { IPMITOOL_MD5 } from "./fixtures/ipmitool-capture";

const hex = (s: string) => Buffer.from(s, "hex");
const reqData = (s: string) => decodeLanRequest(hex(s)).message.data;
const rspData = (s: string) => decodeLanResponse(hex(s)).message.data;
const byte = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe("App commands against the ipmitool capture", () => {
  test("Get Channel Authentication Capabilities", () => {
    expect(
      app.decodeGetChannelAuthCapabilitiesRequest(reqData(IPMITOOL_MD5.getChannelAuthCapsRequest)),
    ).toEqual({
      channel: 0x0e,
      privilege: app.Privilege.ADMINISTRATOR,
      ipmi20Extended: false,
    });
    const caps = app.decodeGetChannelAuthCapabilitiesResponse(
      rspData(IPMITOOL_MD5.getChannelAuthCapsResponse),
    );
    expect(app.supportedAuthTypes(caps)).toEqual([AuthType.MD5, AuthType.STRAIGHT]);
    expect(caps).toMatchObject({ channel: 1, nonNullUsernames: true, perMessageAuthDisabled: false });
    expect(app.encodeGetChannelAuthCapabilitiesResponse(caps)).toEqual(
      Buffer.from(rspData(IPMITOOL_MD5.getChannelAuthCapsResponse)),
    );
  });

  test("Get Session Challenge and Activate Session", () => {
    expect(app.decodeGetSessionChallengeRequest(reqData(IPMITOOL_MD5.getSessionChallengeRequest))).toEqual({
      authType: AuthType.MD5,
      username: "admin",
    });
    const ch = app.decodeGetSessionChallengeResponse(rspData(IPMITOOL_MD5.getSessionChallengeResponse));
    expect(ch.temporarySessionId).toBe(5);
    const act = app.decodeActivateSessionRequest(reqData(IPMITOOL_MD5.activateSessionRequest));
    expect(act).toEqual({
      authType: AuthType.MD5,
      maxPrivilege: app.Privilege.ADMINISTRATOR,
      challenge: ch.challenge,
      initialOutboundSequence: 0x669ff5fe,
    });
    expect(app.encodeActivateSessionRequest(act)).toEqual(
      Buffer.from(reqData(IPMITOOL_MD5.activateSessionRequest)),
    );
    expect(app.decodeActivateSessionResponse(rspData(IPMITOOL_MD5.activateSessionResponse))).toEqual({
      authType: AuthType.MD5,
      sessionId: 0x82,
      initialInboundSequence: 0x72f10b4c,
      maxPrivilege: app.Privilege.ADMINISTRATOR,
    });
    expect(app.decodeSetSessionPrivilegeRequest(reqData(IPMITOOL_MD5.setSessionPrivilegeRequest))).toEqual({
      privilege: app.Privilege.ADMINISTRATOR,
    });
    expect(app.decodeCloseSessionRequest(reqData(IPMITOOL_MD5.closeSessionRequest))).toEqual({
      sessionId: 0x82,
    });
  });

  test("Get Device ID (ipmi_sim's mc_add values)", () => {
    const d = app.decodeGetDeviceIdResponse(rspData(IPMITOOL_MD5.getDeviceIdResponse));
    expect(d).toMatchObject({
      deviceId: 0,
      deviceRevision: 3,
      firmwareMajor: 9,
      firmwareMinor: 8,
      ipmiVersion: { major: 2, minor: 0 },
      additionalDeviceSupport: 0x9f,
      manufacturerId: 0x1291,
      productId: 0xf02,
    });
    expect(app.encodeGetDeviceIdResponse(d)).toEqual(Buffer.from(rspData(IPMITOOL_MD5.getDeviceIdResponse)));
  });

  test("Get Chassis Status: power off", () => {
    expect(
      chassis.decodeGetChassisStatusResponse(rspData(IPMITOOL_MD5.getChassisStatusResponse)),
    ).toMatchObject({
      powerOn: false,
      restorePolicy: "always-off",
      frontPanelButtons: undefined,
    });
  });

  test("server-side decoders reject wrong lengths and values with ProtocolError", () => {
    expect(() => app.decodeGetSessionChallengeRequest(new Uint8Array(3))).toThrow(ProtocolError);
    expect(() => app.decodeActivateSessionRequest(new Uint8Array(21))).toThrow(ProtocolError);
    expect(() => chassis.decodeChassisControlRequest(Uint8Array.from([9]))).toThrow(ProtocolError);
    expect(() => app.decodeGetChannelAuthCapabilitiesRequest(Uint8Array.from([0x0e, 0x09]))).toThrow(
      ProtocolError,
    );
  });
});

describe("round-trip properties (client encode ⇄ server decode, server encode ⇄ client decode)", () => {
  const priv = fc.constantFrom(1, 2, 3, 4, 5) as fc.Arbitrary<app.Privilege>;
  const auth = fc.constantFrom(AuthType.NONE, AuthType.MD2, AuthType.MD5, AuthType.STRAIGHT, AuthType.OEM);
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));

  test("app", () => {
    fc.assert(
      fc.property(
        fc.record({
          deviceId: byte,
          deviceRevision: fc.integer({ min: 0, max: 15 }),
          providesDeviceSdrs: fc.boolean(),
          deviceAvailable: fc.boolean(),
          firmwareMajor: fc.integer({ min: 0, max: 0x7f }),
          firmwareMinor: fc.integer({ min: 0, max: 99 }),
          ipmiVersion: fc.record({
            major: fc.integer({ min: 0, max: 15 }),
            minor: fc.integer({ min: 0, max: 15 }),
          }),
          additionalDeviceSupport: byte,
          manufacturerId: fc.integer({ min: 0, max: 0xfffff }),
          productId: u16,
          auxFirmwareRevision: fc.option(
            fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
            {
              nil: undefined,
            },
          ),
        }),
        (d) => expect(app.decodeGetDeviceIdResponse(app.encodeGetDeviceIdResponse(d))).toEqual(d),
      ),
    );
    fc.assert(
      fc.property(fc.record({ authType: auth, username: fc.stringMatching(/^[a-zA-Z0-9_]{0,16}$/) }), (q) =>
        expect(app.decodeGetSessionChallengeRequest(app.encodeGetSessionChallengeRequest(q))).toEqual(q),
      ),
    );
    fc.assert(
      fc.property(
        fc.record({ authType: auth, maxPrivilege: priv, challenge: bytes16, initialOutboundSequence: u32 }),
        (q) => expect(app.decodeActivateSessionRequest(app.encodeActivateSessionRequest(q))).toEqual(q),
      ),
    );
    fc.assert(
      fc.property(
        fc.record({ authType: auth, sessionId: u32, initialInboundSequence: u32, maxPrivilege: priv }),
        (a) => expect(app.decodeActivateSessionResponse(app.encodeActivateSessionResponse(a))).toEqual(a),
      ),
    );
    fc.assert(
      fc.property(fc.record({ temporarySessionId: u32, challenge: bytes16 }), (c) =>
        expect(app.decodeGetSessionChallengeResponse(app.encodeGetSessionChallengeResponse(c))).toEqual(c),
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          channel: fc.integer({ min: 0, max: 15 }),
          authTypeMask: fc.integer({ min: 0, max: 0x3f }),
          ipmi20ExtendedSupported: fc.boolean(),
          perMessageAuthDisabled: fc.boolean(),
          userLevelAuthDisabled: fc.boolean(),
          nonNullUsernames: fc.boolean(),
          nullUsernames: fc.boolean(),
          anonymousLogin: fc.boolean(),
          extendedCapabilities: byte,
          oemId: fc.integer({ min: 0, max: 0xffffff }),
          oemAuxData: byte,
        }),
        (c) =>
          expect(
            app.decodeGetChannelAuthCapabilitiesResponse(app.encodeGetChannelAuthCapabilitiesResponse(c)),
          ).toEqual(c),
      ),
    );
    fc.assert(
      fc.property(priv, (p) => {
        expect(app.decodeSetSessionPrivilegeRequest(app.encodeSetSessionPrivilegeRequest(p))).toEqual({
          privilege: p,
        });
        expect(app.decodeSetSessionPrivilegeResponse(app.encodeSetSessionPrivilegeResponse(p))).toEqual({
          privilege: p,
        });
      }),
    );
    fc.assert(
      fc.property(u32, (id) =>
        expect(app.decodeCloseSessionRequest(app.encodeCloseSessionRequest(id))).toEqual({ sessionId: id }),
      ),
    );
  });

  test("chassis", () => {
    fc.assert(
      fc.property(
        fc.record({
          powerOn: fc.boolean(),
          powerOverload: fc.boolean(),
          interlock: fc.boolean(),
          powerFault: fc.boolean(),
          powerControlFault: fc.boolean(),
          restorePolicy: fc.constantFrom(
            "always-off",
            "previous",
            "always-on",
            "unknown",
          ) as fc.Arbitrary<chassis.PowerRestorePolicy>,
          lastPowerEvent: fc.record({
            acFailed: fc.boolean(),
            overload: fc.boolean(),
            interlock: fc.boolean(),
            fault: fc.boolean(),
            onViaIpmi: fc.boolean(),
          }),
          intrusion: fc.boolean(),
          frontPanelLockout: fc.boolean(),
          driveFault: fc.boolean(),
          coolingFault: fc.boolean(),
          identifyState: fc.constantFrom(
            "off",
            "timed-on",
            "on",
            "reserved",
          ) as fc.Arbitrary<chassis.IdentifyState>,
          identifySupported: fc.boolean(),
          frontPanelButtons: fc.option(byte, { nil: undefined }),
        }),
        (s) =>
          expect(chassis.decodeGetChassisStatusResponse(chassis.encodeGetChassisStatusResponse(s))).toEqual(
            s,
          ),
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }) as fc.Arbitrary<chassis.ChassisControl>, (op) =>
        expect(chassis.decodeChassisControlRequest(chassis.encodeChassisControlRequest(op))).toEqual({ op }),
      ),
    );
    const flags = fc.record({
      valid: fc.boolean(),
      persistent: fc.boolean(),
      efi: fc.boolean(),
      device: fc.integer({ min: 0, max: 15 }),
      cmosClear: fc.boolean(),
      lockKeyboard: fc.boolean(),
      screenBlank: fc.boolean(),
      lockResetButton: fc.boolean(),
      extra: fc.tuple(byte, byte, byte),
    });
    fc.assert(
      fc.property(flags, fc.boolean(), (f, markInvalid) => {
        const q = { parameter: chassis.BOOT_PARAM_BOOT_FLAGS, markInvalid, data: chassis.encodeBootFlags(f) };
        const back = chassis.decodeSetSystemBootOptionsRequest(chassis.encodeSetSystemBootOptionsRequest(q));
        expect(back).toEqual(q);
        expect(chassis.decodeBootFlags(back.data)).toEqual(f);
        const v = { parameterVersion: 1, parameter: 5, invalid: markInvalid, data: q.data };
        expect(
          chassis.decodeGetSystemBootOptionsResponse(chassis.encodeGetSystemBootOptionsResponse(v)),
        ).toEqual(v);
      }),
    );
  });

  test("boot flags for PXE, persistent: the bytes ipmitool sends (bootdev pxe options=persistent)", () => {
    // ipmitool: flags[0] = 0x80 valid | 0x40 persistent; flags[1] = 0x04 (PXE << 2).
    expect(chassis.encodeBootFlags(chassis.bootFlags(chassis.BootDevice.PXE, true)).toString("hex")).toBe(
      "c004000000",
    );
    expect(chassis.encodeBootFlags(chassis.bootFlags(chassis.BootDevice.DISK, false)).toString("hex")).toBe(
      "8008000000",
    );
  });

  test("SEL", () => {
    fc.assert(
      fc.property(
        fc.record({
          selVersion: byte,
          entries: u16,
          freeSpace: u16,
          lastAddition: u32,
          lastErase: u32,
          operationSupport: byte,
        }),
        (i) => expect(sel.decodeGetSelInfoResponse(sel.encodeGetSelInfoResponse(i))).toEqual(i),
      ),
    );
    fc.assert(
      fc.property(fc.record({ reservationId: u16, recordId: u16, offset: byte, bytesToRead: byte }), (q) =>
        expect(sel.decodeGetSelEntryRequest(sel.encodeGetSelEntryRequest(q))).toEqual(q),
      ),
    );
    const system: fc.Arbitrary<sel.SelRecord> = fc.record({
      kind: fc.constant("system" as const),
      recordId: u16,
      recordType: fc.constant(sel.SEL_RECORD_SYSTEM_EVENT),
      timestamp: u32,
      generatorId: u16,
      evmRevision: byte,
      sensorType: byte,
      sensorNumber: byte,
      deassertion: fc.boolean(),
      eventType: fc.integer({ min: 0, max: 0x7f }),
      eventData: fc.tuple(byte, byte, byte),
    });
    const oemTs: fc.Arbitrary<sel.SelRecord> = fc.record({
      kind: fc.constant("oem-timestamped" as const),
      recordId: u16,
      recordType: fc.integer({ min: 0xc0, max: 0xdf }),
      timestamp: u32,
      manufacturerId: fc.integer({ min: 0, max: 0xffffff }),
      oemData: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => Buffer.from(a)),
    });
    const oem: fc.Arbitrary<sel.SelRecord> = fc.record({
      kind: fc.constant("oem" as const),
      recordId: u16,
      recordType: fc.integer({ min: 0xe0, max: 0xff }),
      oemData: fc.uint8Array({ minLength: 13, maxLength: 13 }).map((a) => Buffer.from(a)),
    });
    fc.assert(
      fc.property(fc.oneof(system, oemTs, oem), (r) => {
        const b = sel.encodeSelRecord(r);
        expect(b.length).toBe(16);
        expect(sel.decodeSelRecord(b)).toEqual(r);
      }),
    );
  });

  test("SEL record description (threshold event)", () => {
    const rec = sel.decodeSelRecord(hex("0100020000000020000401010159564f"));
    expect(sel.describeSelRecord(rec)).toBe("Temperature #1: Upper Critical going high (asserted)");
  });
});
