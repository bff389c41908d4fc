/**
 * A throw-away self-signed certificate for go-plugin's AutoMTLS: the plugin and Terraform each
 * make one per run and trust exactly the other's (go-plugin `mtls.go` generateCert: CN and SAN
 * "localhost", CA:TRUE, server+client auth). Node can parse X.509 but not issue it, so the
 * `openssl` CLI signs it (no npm dependency needed).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  /** The certificate's DER bytes (what the handshake line carries, base64 without padding). */
  der: Buffer;
}

export class CertificateError extends Error {
  readonly code = "CERTIFICATE";
  readonly retryable = false;
}

export function generateCertificate(commonName = "localhost"): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), "fibrix-tfcert-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "30",
        "-subj",
        `/CN=${commonName}/O=fibrix`,
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign",
        "-addext",
        "extendedKeyUsage=serverAuth,clientAuth",
        "-keyout",
        keyPath,
        "-out",
        certPath,
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 },
    );
    const certPem = readFileSync(certPath, "utf8");
    return {
      certPem,
      keyPem: readFileSync(keyPath, "utf8"),
      der: Buffer.from(new X509Certificate(certPem).raw),
    };
  } catch (e) {
    throw new CertificateError(
      `cannot create the plugin's TLS certificate with openssl: ${(e as Error).message}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** DER (as the handshake line carries it: base64 without padding) back to PEM. */
export function derBase64ToPem(b64: string): string {
  const der = Buffer.from(b64, "base64");
  const body = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
