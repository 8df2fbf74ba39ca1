// The session cookie: sealing with iron-session, reading the header, writing Set-Cookie.
import { createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { sealData, unsealData } from "iron-session";
import type { Config } from "../config/index.js";
import type { SecretMap } from "./secrets.js";

/** What the cookie holds: ids and timestamps only (seconds since the epoch). */
export interface SessionPayload {
  /** Payload format version. */
  v: 1;
  /** Session row id. */
  sid: string;
  /** The user the session belongs to; checked against the row. */
  uid: string;
  /** When the session was created (login). */
  iat: number;
  /** When this seal was made (login or last renewal). */
  rat: number;
}

/**
 * Paths other than `/` where a copy of the cookie shadows ours when a browser sends both
 * (the more specific path first): where a tossed cookie is put to cover the API.
 */
const SHADOW_PATHS = ["/graphql"];

/**
 * A sign-in waiting for its second factor: never a session. It has no `sid`, so nothing
 * that reads a SessionPayload accepts it; only the second-factor step opens it.
 */
export interface PendingPayload {
  v: 1;
  k: "pending";
  /** PendingSignIn row id: single use, checked in the database. */
  pid: string;
  uid: string;
  iat: number;
}

/** Most cookie values kept unsealed in memory; unsealing costs a PBKDF2 and a decrypt. */
const CACHE_LIMIT = 10_000;

export function isPayload(value: unknown): value is SessionPayload {
  const p = value as Partial<SessionPayload> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    p.v === 1 &&
    !("k" in p) &&
    typeof p.sid === "string" &&
    typeof p.uid === "string" &&
    Number.isSafeInteger(p.iat) &&
    Number.isSafeInteger(p.rat)
  );
}

function isPending(value: unknown): value is PendingPayload {
  const p = value as Partial<PendingPayload> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    p.v === 1 &&
    p.k === "pending" &&
    typeof p.pid === "string" &&
    typeof p.uid === "string" &&
    Number.isSafeInteger(p.iat)
  );
}

type Opened = (SessionPayload | PendingPayload) & { exp: number };

export interface CookieCodec {
  readonly name: string;
  /** Seals a payload into a cookie value valid for `ttl` seconds. */
  seal(payload: SessionPayload | PendingPayload, ttl: number): Promise<string>;
  /** Opens a session cookie value; null for anything tampered, expired, foreign, malformed or pending. */
  unseal(value: string): Promise<SessionPayload | null>;
  /** Opens a pending sign-in cookie value; null for anything else, sessions included. */
  unsealPending(value: string): Promise<PendingPayload | null>;
  /**
   * Opens either kind at once: one unseal where `unseal` then `unsealPending` would make two
   * for a value that opens as neither (a tampered cookie).
   */
  unsealAny(value: string): Promise<SessionPayload | PendingPayload | null>;
  /** Every value of this cookie in a `Cookie` request header, in order (more than one: tossed). */
  read(header: string | null): string[];
  /** A `Set-Cookie` header that stores `value` for `maxAge` seconds. */
  serialize(value: string, maxAge: number): string;
  /** A `Set-Cookie` header that deletes the cookie. */
  expire(): string;
  /**
   * `Set-Cookie` headers that delete host-only copies on the paths a shadowing cookie
   * usually takes. None for a `__Host-` name, which a browser keeps on `Path=/` only.
   */
  expireShadows(): string[];
}

/**
 * Whether the seal's HMAC holds, checked as iron does it (HMAC-SHA256 of the first six parts
 * under a key PBKDF2-SHA1-derived, one iteration, from the secret its id names and the seal's
 * salt) but synchronously with node:crypto: iron-webcrypto's WebCrypto jobs made a tampered
 * cookie cost more CPU than a signed-in page. A value that passes is still opened by
 * iron-session, which checks the HMAC again; this only turns forgeries away sooner.
 */
function integrityHolds(value: string, secrets: SecretMap): boolean {
  const parts = value.split("~")[0].split("*"); // iron-session's `~2` marker lies outside the HMAC
  if (parts.length !== 8) return false;
  const id = parts[1] || "default";
  // Own keys only: an id such as `__proto__` must not reach an inherited member.
  const secret = Object.hasOwn(secrets, id) ? secrets[id] : undefined;
  if (typeof secret !== "string") return false;
  const key = pbkdf2Sync(secret, parts[6], 1, 32, "sha1");
  const mac = createHmac("sha256", key).update(parts.slice(0, 6).join("*")).digest();
  const given = Buffer.from(parts[7], "base64url");
  return given.length === mac.length && timingSafeEqual(given, mac);
}

export function createCookieCodec(cookie: Config["cookie"], secrets: SecretMap): CookieCodec {
  // A bounded memo of opened seals (insertion order evicts oldest). Only valid seals are
  // kept; the seal's own expiry is checked again on every hit, as on a first opening.
  const opened = new Map<string, Opened>();

  async function open(value: string): Promise<Opened | null> {
    const hit = opened.get(value);
    if (hit) {
      if (hit.exp > Date.now()) return hit;
      opened.delete(value);
      return null;
    }
    if (value.length > 4096 || !value.startsWith("Fe26.2*") || !integrityHolds(value, secrets)) return null;
    let data: unknown;
    try {
      data = await unsealData(value, { password: secrets, ttl: 0 });
    } catch {
      return null; // tampered, or sealed with a secret we no longer hold
    }
    if (!isPayload(data) && !isPending(data)) return null; // iron-session answers {} for expired seals
    const exp = Number(value.split("*")[5]) || 0; // iron: Fe26.2*id*salt*iv*data*expiry(ms)*…
    // iron grants 60 s of clock skew past the expiry; we don't, so a seal is refused from the
    // same instant whether or not this process opened it before.
    if (exp > 0 && exp <= Date.now()) return null;
    if (opened.size >= CACHE_LIMIT) opened.delete(opened.keys().next().value as string);
    const entry = { ...data, exp: exp > 0 ? exp : Number.POSITIVE_INFINITY };
    opened.set(value, entry);
    return entry;
  }
  const flags = `HttpOnly; SameSite=${cookie.sameSite[0].toUpperCase()}${cookie.sameSite.slice(1)}${
    cookie.secure ? "; Secure" : ""
  }${cookie.partitioned ? "; Partitioned" : ""}`;
  const attributes = `Path=/; ${flags}`;
  const expired = `${cookie.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  const shadows = /^__host-/i.test(cookie.name) ? [] : SHADOW_PATHS.map((p) => `${expired}; Path=${p}; ${flags}`);

  return {
    name: cookie.name,
    async seal(payload, ttl) {
      const value = await sealData(payload, { password: secrets, ttl });
      return value;
    },
    async unseal(value) {
      const opened = await open(value);
      return opened && isPayload(opened) ? opened : null;
    },
    async unsealPending(value) {
      const opened = await open(value);
      return opened && isPending(opened) ? opened : null;
    },
    async unsealAny(value) {
      const opened = await open(value);
      return opened && (isPayload(opened) || isPending(opened)) ? opened : null;
    },
    read(header) {
      const values: string[] = [];
      if (!header) return values;
      for (const part of header.split(";")) {
        const eq = part.indexOf("=");
        if (eq > 0 && part.slice(0, eq).trim() === cookie.name) {
          const value = part.slice(eq + 1).trim();
          values.push(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
        }
      }
      return values;
    },
    serialize(value, maxAge) {
      return `${cookie.name}=${value}; Max-Age=${Math.max(0, Math.floor(maxAge))}; ${attributes}`;
    },
    expire() {
      return `${expired}; ${attributes}`;
    },
    expireShadows() {
      return [...shadows];
    },
  };
}
