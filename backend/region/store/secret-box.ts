/**
 * Secrets at rest (BMC passwords, user data): AES-256-GCM with a random 96-bit nonce per
 * value. The key lives in the data directory as a 0600 file (or comes from
 * FIBRIX_SECRET_KEY, base64, so region replicas on PostgreSQL share it).
 * Stored form: "v1:" + base64(nonce | tag | ciphertext).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error("secret key must be 32 bytes (AES-256)");
    return new SecretBox(key);
  }

  /** Loads `DIR/secret.key`, creating it (0600) on first start. */
  static forDataDir(dataDir: string, envKey = process.env.FIBRIX_SECRET_KEY): SecretBox {
    if (envKey) return SecretBox.fromKey(Buffer.from(envKey, "base64"));
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, "secret.key");
    if (!existsSync(path)) writeFileSync(path, randomBytes(32), { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
    return SecretBox.fromKey(readFileSync(path));
  }

  seal(plain: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith("v1:")) throw new Error("unknown secret format");
    const raw = Buffer.from(sealed.slice(3), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}
