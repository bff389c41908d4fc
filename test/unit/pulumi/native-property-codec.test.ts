/**
 * The native plugin's property codec against the engine's encoding (pulumi/pulumi
 * sdk/go/common/resource/plugin/rpc.go): secrets as `{ 4dabf…: 1b470…, value }` at any depth,
 * every unknown sentinel as the hooks' one UNKNOWN, resource references as their id (or URN),
 * and secrets leaving where they came in and where the model declares them.
 */
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import {
  decodeProperties,
  encodeProperties,
  presentPaths,
  RESOURCE_SIG,
  SECRET_SIG,
  SIG_KEY,
  unionPaths,
  UNKNOWN_SENTINELS,
} from "../../../provider/pulumi/native/property-codec";
import { UNKNOWN } from "../../../provider/pulumi/schema-check";

const struct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o as any);
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

test("the signature constants are the engine's", () => {
  expect(SIG_KEY).toBe("4dabf18193072939515e22adb298388d");
  expect(SECRET_SIG).toBe("1b47061264138c4ac30d75fd1eb44270");
  expect(UNKNOWN).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  expect(UNKNOWN_SENTINELS.size).toBe(7);
});

test("secrets are unwrapped and their paths recorded (outermost only)", () => {
  const d = decodeProperties(
    struct({
      hostname: "pe860-01",
      power: { type: "ipmi", password: secret("calvin") },
      tags: [secret("a"), "b"],
      whole: secret({ inner: secret("x") }),
    }),
  );
  expect(d.props).toEqual({
    hostname: "pe860-01",
    power: { type: "ipmi", password: "calvin" },
    tags: ["a", "b"],
    whole: { inner: "x" },
  });
  expect(d.secrets).toEqual([["power", "password"], ["tags", 0], ["whole"]]);
});

test("every unknown sentinel becomes UNKNOWN, also inside a secret", () => {
  const props: Record<string, unknown> = {};
  [...UNKNOWN_SENTINELS].forEach((s, i) => {
    props[`u${i}`] = s;
  });
  props.hidden = secret("6a19a0b0-7e62-4c92-b797-7f8e31da9cc2");
  const d = decodeProperties(struct(props));
  expect(Object.values(d.props).every((v) => v === UNKNOWN)).toBe(true);
  expect(d.secrets).toEqual([["hidden"]]);
});

test("resource references: the id of a custom resource, unknown while it has none, else the URN", () => {
  const urn = "urn:pulumi:dev::p::fibrix:index:Rack::r1";
  const d = decodeProperties(
    struct({
      rackId: { [SIG_KEY]: RESOURCE_SIG, urn, id: "rck_0123456789abcdef" },
      pending: { [SIG_KEY]: RESOURCE_SIG, urn, id: "" },
      component: { [SIG_KEY]: RESOURCE_SIG, urn },
    }),
  );
  expect(d.props).toEqual({ rackId: "rck_0123456789abcdef", pending: UNKNOWN, component: urn });
});

test("output values and assets are refused with the property named", () => {
  expect(() =>
    decodeProperties(struct({ a: { b: { [SIG_KEY]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", value: 1 } } })),
  ).toThrow(/property a\.b: an output value/);
  expect(() => decodeProperties(struct({ f: { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17" } }))).toThrow(
    /property f: assets/,
  );
});

test("encoding wraps the given paths, drops undefined, and round-trips", () => {
  const props = {
    power: { type: "ipmi", address: "10.0.0.21", password: "calvin" },
    enrollmentToken: "fbr_x",
    gone: undefined,
    macs: ["52:54:00:00:00:01"],
  };
  const s = encodeProperties(props, [["power", "password"], ["enrollmentToken"], ["absent", "x"]]);
  expect(s.toJavaScript()).toEqual({
    power: { type: "ipmi", address: "10.0.0.21", password: secret("calvin") },
    enrollmentToken: secret("fbr_x"),
    macs: ["52:54:00:00:00:01"],
  });
  const back = decodeProperties(s);
  expect(back.props).toEqual({
    power: { type: "ipmi", address: "10.0.0.21", password: "calvin" },
    enrollmentToken: "fbr_x",
    macs: ["52:54:00:00:00:01"],
  });
  // Struct keys come back sorted: the order of the paths is not part of the contract.
  expect(back.secrets).toHaveLength(2);
  expect(back.secrets).toEqual(expect.arrayContaining([["power", "password"], ["enrollmentToken"]]));
});

test("a secret container hides what is under it once", () => {
  const s = encodeProperties({ power: { password: "p", user: "root" } }, [["power"], ["power", "password"]]);
  expect(s.toJavaScript()).toEqual({ power: secret({ password: "p", user: "root" }) });
});

test("declared secret paths apply only where a value is present; unions have no repeats", () => {
  const props = { power: { type: "wol" }, name: "x" };
  expect(presentPaths(props, [["power", "password"], ["name"]])).toEqual([["name"]]);
  expect(unionPaths([["a"], ["b", 0]], [["b", 0]], [["c"]])).toEqual([["a"], ["b", 0], ["c"]]);
});

test("null stays null (a property set to nothing), and UNKNOWN leaves as the string sentinel", () => {
  const s = encodeProperties({ poolId: null, fqdn: UNKNOWN });
  expect(s.toJavaScript()).toEqual({ poolId: null, fqdn: UNKNOWN });
  expect(decodeProperties(undefined)).toEqual({ props: {}, secrets: [] });
});
