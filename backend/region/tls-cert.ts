/**
 * The region's certificate and key: the operator's PEM files, or a self-signed certificate
 * made once under DATA/tls/ by `openssl req -x509` (openssl is installed by scripts/setup.sh)
 * and reused on every later start, so its fingerprint, printed on start and carried by rack
 * enrollment tokens, stays the same.
 */
import { execFile } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TlsMode } from "./tls-mode";

const run = promisify(execFile);

export interface RegionTls {
  cert: string;
  key: string;
  /** SHA-256 of the certificate (canonical colon hex, as Node's `fingerprint256`). */
  fingerprint: string;
  certFile: string;
  /** Made by the region itself (no CA vouches for it: clients pin it or trust the file). */
  selfSigned: boolean;
  /** True when this start made it. */
  created: boolean;
}

export function selfSignedPaths(dataDir: string): { dir: string; cert: string; key: string } {
  const dir = join(dataDir, "tls");
  return { dir, cert: join(dir, "region.crt"), key: join(dir, "region.key") };
}

/** Subject alternative names: loopback, this host's name, and the listen address when it is one. */
export function subjectAltNames(listenHost: string): string {
  const names = new Set(["DNS:localhost", `DNS:${hostname()}`, "IP:127.0.0.1", "IP:::1"]);
  const h = listenHost.replace(/^\[|\]$/g, "");
  if (isIP(h) && h !== "0.0.0.0" && h !== "::") names.add(`IP:${h}`);
  else if (!isIP(h)) names.add(`DNS:${h}`);
  return [...names].join(",");
}

async function makeSelfSigned(dataDir: string, listenHost: string): Promise<void> {
  const p = selfSignedPaths(dataDir);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const tmpKey = `${p.key}.${process.pid}.tmp`;
  const tmpCert = `${p.cert}.${process.pid}.tmp`;
  try {
    // P-256: small and fast on a PE860's Xeon; ten years, since racks pin it.
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "3650",
      "-subj",
      "/CN=fibrix-region",
      "-addext",
      `subjectAltName=${subjectAltNames(listenHost)}`,
      "-keyout",
      tmpKey,
      "-out",
      tmpCert,
    ]);
    chmodSync(tmpKey, 0o600);
    // Key first: a cert without its key is never left behind.
    renameSync(tmpKey, p.key);
    renameSync(tmpCert, p.cert);
  } catch (e) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    const why = (e as { code?: string }).code === "ENOENT" ? "openssl is not installed" : String(e);
    throw new Error(`cannot make the region's self-signed certificate under ${p.dir}: ${why}`);
  }
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read the ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The TLS material for `mode`, or undefined for plain HTTP. Checks that key and certificate belong together. */
export async function loadRegionTls(
  mode: TlsMode,
  dataDir: string,
  listenHost: string,
): Promise<RegionTls | undefined> {
  if (mode.kind === "plain") return undefined;
  let certFile: string;
  let keyFile: string;
  let created = false;
  if (mode.kind === "files") {
    certFile = mode.certFile;
    keyFile = mode.keyFile;
  } else {
    const p = selfSignedPaths(dataDir);
    if (!existsSync(p.cert) || !existsSync(p.key)) {
      await makeSelfSigned(dataDir, listenHost);
      created = true;
    }
    certFile = p.cert;
    keyFile = p.key;
  }
  const cert = readPem(certFile, "TLS certificate");
  const key = readPem(keyFile, "TLS key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`${certFile} is not a PEM certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (e) {
    throw new Error(`${keyFile} is not a PEM private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!matches) throw new Error(`the TLS key ${keyFile} does not belong to the certificate ${certFile}`);
  return {
    cert,
    key,
    fingerprint: x509.fingerprint256,
    certFile,
    selfSigned: mode.kind === "self-signed",
    created,
  };
}
