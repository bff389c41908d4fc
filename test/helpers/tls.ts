/**
 * Certificates for TLS tests, made with the real `openssl` (scripts/setup.sh installs it): a
 * test CA and a region certificate it signed for 127.0.0.1/::1/localhost, made once per jest
 * worker under the run's directory (removed with it), and self-signed certificates on demand.
 * With FIBRIX_TEST_TLS=1 the region helpers serve HTTPS with the CA-signed certificate and
 * every client of the tests trusts the CA (see region.ts).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type Dispatcher } from "undici";

export const TEST_TLS = process.env.FIBRIX_TEST_TLS === "1";

export interface CertFiles {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  fingerprint: string;
}

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  /** The region's certificate, signed by the CA, for 127.0.0.1, ::1 and localhost. */
  server: CertFiles;
}

const LOOPBACK_SAN = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost";

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function read(certFile: string, keyFile: string): CertFiles {
  const cert = readFileSync(certFile, "utf8");
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile, "utf8"),
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A self-signed certificate for loopback, named `name` in `dir`. */
export function selfSignedCert(dir: string, name: string): CertFiles {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(
    ["req", "-x509", ...EC, "-days", "2", "-subj", `/CN=${name}`, "-addext", LOOPBACK_SAN].concat([
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]),
  );
  return read(certFile, keyFile);
}

function makePki(): TestPki {
  const base = process.env.FIBRIX_TEST_RUN_DIR;
  const dir = base ? join(base, `tls-${process.pid}`) : mkdtempSync(join(tmpdir(), "fibrix-tls-"));
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, "ca.crt");
  const caKey = join(dir, "ca.key");
  openssl([
    "req",
    "-x509",
    ...EC,
    "-days",
    "2",
    "-subj",
    "/CN=fibrix test CA",
    "-keyout",
    caKey,
    "-out",
    caFile,
  ]);
  const csr = join(dir, "region.csr");
  const keyFile = join(dir, "region.key");
  const certFile = join(dir, "region.crt");
  const ext = join(dir, "region.ext");
  writeFileSync(ext, `${LOOPBACK_SAN}\n`);
  openssl(["req", ...EC, "-subj", "/CN=127.0.0.1", "-keyout", keyFile, "-out", csr]);
  openssl(
    ["x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-days", "2"].concat([
      "-extfile",
      ext,
      "-out",
      certFile,
    ]),
  );
  return { dir, caFile, caPem: readFileSync(caFile, "utf8"), server: read(certFile, keyFile) };
}

let pki: TestPki | undefined;

/** This worker's test CA and region certificate (made on first use). */
export function testPki(): TestPki {
  pki ??= makePki();
  return pki;
}

let dispatcher: Dispatcher | undefined;

/** For fetch(): an undici Agent trusting the test CA (only the CA: like curl --cacert). */
export function testCaDispatcher(): Dispatcher {
  dispatcher ??= new Agent({ connect: { ca: testPki().caPem } });
  return dispatcher;
}
