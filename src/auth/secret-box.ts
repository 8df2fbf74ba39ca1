// Encrypts small secrets at rest (AES-256-GCM) under keys derived from the SESSION_SECRET keyring.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { SecretMap } from "../session/secrets.js";

export interface SecretBox {
  /** Seals `plaintext` under the newest key; `context` (e.g. the owner's id) must match to open it. */
  seal(plaintext: string, context: string): string;
  /** Opens a sealed value with the key id it names; throws when tampered, foreign or its key is gone. */
  open(sealed: string, context: string): string;
}

const VERSION = "v1";

/**
 * One AES-256 key per keyring id, derived with HKDF-SHA-256 under `label`, so the same
 * SESSION_SECRET never serves two purposes with one key. A sealed value names its key id:
 * after rotation (a new, higher id) old values still open and new ones use the new key.
 */
export function createSecretBox(secrets: SecretMap, label: string): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const [id, secret] of Object.entries(secrets)) {
    keys.set(id, Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `hogwarts:${label}`, 32)));
  }
  const newest = [...keys.keys()].sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error("secret box needs at least one secret");

  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keys.get(newest) as Buffer, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const parts = [iv, data, cipher.getAuthTag()].map((b) => b.toString("base64url"));
      return [VERSION, newest, ...parts].join(".");
    },
    open(sealed, context) {
      const [version, id, iv, data, tag, extra] = sealed.split(".");
      const key = keys.get(id ?? "");
      if (version !== VERSION || !key || !iv || !data || !tag || extra !== undefined) {
        throw new Error("sealed value is malformed or its key is no longer configured");
      }
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
