// A software passkey authenticator for in-process tests: real P-256 keys, real CBOR and
// signatures, so @simplewebauthn/server checks every byte as it would a browser's.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [key: string]: Cbor };

/** The few CBOR items WebAuthn needs (RFC 8949): written here, a test needs no encoder package. */
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

/** authenticatorData flags (WebAuthn §6.1). */
export const UP = 0x01;
export const UV = 0x04;
const AT = 0x40;

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  /** The COSE_Key of the public key. */
  cose: Buffer;
  counter: number;
  /** The user handle the server gave at registration (base64url). */
  userHandle: string;
}

/** What the tests may bend in one ceremony. */
export interface Tweaks {
  origin?: string;
  rpId?: string;
  flags?: number;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
  /** COSE algorithm claimed for the new key (default ES256, -7). */
  alg?: number;
  userHandle?: string | null;
  challenge?: string;
  type?: string;
  /** The credential id to create (default: 16 random bytes). */
  credentialId?: Buffer;
}

interface CreationOptions {
  challenge: string;
  rp: { id: string };
  user: { id: string };
}

interface RequestOptions {
  challenge: string;
  rpId: string;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin = "http://localhost:4000") {}

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(options).toJSON(): a new ES256 credential. */
  create(options: CreationOptions, tweaks: Tweaks = {}) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, tweaks.alg ?? -7], // alg
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x as string, "base64url")],
        [-3, Buffer.from(jwk.y as string, "base64url")],
      ]),
    );
    const id = tweaks.credentialId ?? randomBytes(16);
    const counter = tweaks.counter ?? 0;
    const attested = Buffer.concat([Buffer.alloc(16), Buffer.from([0, id.length]), id, cose]);
    const authData = Buffer.concat([
      sha256(tweaks.rpId ?? options.rp.id),
      Buffer.from([(tweaks.flags ?? UP | UV) | AT]),
      this.counterBytes(counter),
      attested,
    ]);
    const clientDataJSON = this.clientData(
      tweaks.type ?? "webauthn.create",
      tweaks.challenge ?? options.challenge,
      tweaks.origin ?? this.origin,
    );
    this.credentials.push({ id, privateKey, cose, counter, userHandle: options.user.id });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(cbor({ fmt: "none", attStmt: {}, authData })),
        transports: ["internal"],
      },
    };
  }

  /** navigator.credentials.get(options).toJSON() with `credential` (default: the last created). */
  get(options: RequestOptions, tweaks: Tweaks = {}, credential = this.credentials.at(-1)) {
    if (!credential) throw new Error("no credential created yet");
    const counter = tweaks.counter ?? credential.counter + 1;
    credential.counter = counter;
    const authData = Buffer.concat([
      sha256(tweaks.rpId ?? options.rpId),
      Buffer.from([tweaks.flags ?? UP | UV]),
      this.counterBytes(counter),
    ]);
    const clientDataJSON = this.clientData(
      tweaks.type ?? "webauthn.get",
      tweaks.challenge ?? options.challenge,
      tweaks.origin ?? this.origin,
    );
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = tweaks.userHandle === undefined ? credential.userHandle : tweaks.userHandle;
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }

  private counterBytes(counter: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(counter);
    return b;
  }
}
