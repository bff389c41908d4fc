/** The pure parts of TLS trust: fingerprints, loopback, the plain-http rule, tokens, serve modes. */
import { tlsModeOf, TlsModeError } from "../../../backend/region/tls-mode";
import { formatEnrollmentToken, parseEnrollmentToken } from "../../../sdk/enrollment-token";
import { ValidationError } from "../../../sdk/errors";
import {
  checkTransport,
  fingerprintFromBase64url,
  fingerprintToBase64url,
  isLoopbackHost,
  normalizeFingerprint,
  resolveTrust,
  tlsErrorOf,
} from "../../../sdk/tls-trust";

const FP = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

test("fingerprints: colon hex, bare hex, any case, openssl's own line; anything else names the field", () => {
  expect(normalizeFingerprint(FP)).toBe(FP);
  expect(normalizeFingerprint(FP.replace(/:/g, "").toLowerCase())).toBe(FP);
  expect(normalizeFingerprint(`sha256 Fingerprint=${FP}\n`)).toBe(FP);
  expect(normalizeFingerprint(`SHA256:${FP}`)).toBe(FP);
  for (const bad of ["", "AB:CD", `${FP}:00`, FP.replace("A", "G")]) {
    expect(() => normalizeFingerprint(bad, "fibrix:fingerprint")).toThrow(ValidationError);
  }
  try {
    normalizeFingerprint("nope", "fibrix:fingerprint");
  } catch (e) {
    expect((e as ValidationError).errors[0]).toMatchObject({ field: "fibrix:fingerprint" });
  }
  expect(fingerprintFromBase64url(fingerprintToBase64url(FP))).toBe(FP);
  expect(fingerprintToBase64url(FP)).toHaveLength(43);
  expect(() => fingerprintFromBase64url("AAAA")).toThrow(/32 bytes/);
});

test("loopback: 127/8, ::1 in its spellings, localhost; nothing else", () => {
  for (const h of [
    "127.0.0.1",
    "127.0.0.3",
    "127.255.255.254",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "localhost",
    "a.localhost",
    "::ffff:127.0.0.1",
  ]) {
    expect([h, isLoopbackHost(h)]).toEqual([h, true]);
  }
  for (const h of [
    "10.0.0.2",
    "0.0.0.0",
    "::",
    "128.0.0.1",
    "localhost.example",
    "region",
    "::ffff:10.0.0.1",
    "1127.0.0.1",
  ]) {
    expect([h, isLoopbackHost(h)]).toEqual([h, false]);
  }
});

test("plain http only to loopback unless allowed; https anywhere", () => {
  expect(() => checkTransport("http://127.0.0.1:5240", false)).not.toThrow();
  expect(() => checkTransport("http://[::1]:5240", false)).not.toThrow();
  expect(() => checkTransport("https://10.0.0.2:5240", false)).not.toThrow();
  expect(() => checkTransport("http://10.0.0.2:5240", true)).not.toThrow();
  expect(() => checkTransport("http://10.0.0.2:5240", false, "--region")).toThrow(
    /refusing plain http:\/\/ to 10\.0\.0\.2/,
  );
  expect(() => checkTransport("not a url", false)).toThrow(ValidationError);
});

test("trust: given options replace the environment's; a CA and a pin together are refused", () => {
  const env = { FIBRIX_CA_BUNDLE: "/etc/ca.pem", FIBRIX_TLS_FINGERPRINT: "", FIBRIX_INSECURE_HTTP: "1" };
  expect(resolveTrust({}, env)).toEqual({ caBundle: "/etc/ca.pem", insecureHttp: true });
  expect(resolveTrust({ fingerprint: FP }, env)).toEqual({ fingerprint: FP, insecureHttp: true });
  expect(resolveTrust({ insecureHttp: false }, {})).toEqual({});
  expect(() => resolveTrust({ caBundle: "x", fingerprint: FP }, {})).toThrow(/either a CA bundle or/);
  expect(() => resolveTrust({}, { FIBRIX_CA_BUNDLE: "x", FIBRIX_TLS_FINGERPRINT: FP })).toThrow(
    ValidationError,
  );
});

test("TLS failures become TlsError (through causes); other failures do not", () => {
  const wrapped = Object.assign(new Error("request failed"), {
    cause: Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }),
  });
  expect(tlsErrorOf(wrapped, "GET /regions")).toMatchObject({
    code: "TLS_UNTRUSTED",
    status: 495,
    retryable: false,
  });
  expect(tlsErrorOf(Object.assign(new Error("x"), { code: "ECONNREFUSED" }), "GET /")).toBeUndefined();
  const plain = Object.assign(new Error("write EPROTO …:wrong version number"), { code: "EPROTO" });
  expect(tlsErrorOf(plain, "GET /")?.message).toMatch(/does the region speak https:\/\/ on this port/);
  expect(tlsErrorOf("just text", "GET /")).toBeUndefined();
});

test("enrollment tokens: the pin round-trips; an unpinned token is its own bearer; a damaged pin is an error", () => {
  const secret = `fbr_${"x".repeat(43)}`;
  expect(parseEnrollmentToken(secret)).toEqual({ bearer: secret });
  expect(formatEnrollmentToken(secret)).toBe(secret);
  const t = formatEnrollmentToken(secret, FP);
  expect(t).toMatch(/^fbr_x{43}\.[A-Za-z0-9_-]{43}$/);
  expect(parseEnrollmentToken(t)).toEqual({ bearer: secret, fingerprint: FP });
  expect(() => parseEnrollmentToken(t.slice(0, -3))).toThrow(/copy the whole token/);
});

test("region serve modes: files, self-signed (forced or off loopback), plain on loopback or when insecure", () => {
  expect(tlsModeOf({ tlsCert: "c", tlsKey: "k" }, "0.0.0.0")).toEqual({
    kind: "files",
    certFile: "c",
    keyFile: "k",
  });
  expect(tlsModeOf({}, "127.0.0.1")).toEqual({ kind: "plain" });
  expect(tlsModeOf({}, "::1")).toEqual({ kind: "plain" });
  expect(tlsModeOf({}, "0.0.0.0")).toEqual({ kind: "self-signed" });
  expect(tlsModeOf({}, "10.0.0.2")).toEqual({ kind: "self-signed" });
  expect(tlsModeOf({ tlsSelfSigned: true }, "127.0.0.1")).toEqual({ kind: "self-signed" });
  expect(tlsModeOf({ insecureHttp: true }, "10.0.0.2")).toEqual({ kind: "plain" });
  expect(() => tlsModeOf({ tlsCert: "c" }, "127.0.0.1")).toThrow(TlsModeError);
  expect(() => tlsModeOf({ tlsKey: "k" }, "127.0.0.1")).toThrow(/go together/);
  expect(() => tlsModeOf({ tlsCert: "c", tlsKey: "k", insecureHttp: true }, "10.0.0.2")).toThrow(
    /pass one of/,
  );
});
