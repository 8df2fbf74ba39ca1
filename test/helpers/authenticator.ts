// A software passkey for API tests: real ES256 signatures over real WebAuthn data, no browser.
// Hand-written (about 50 lines) because the maintained virtual authenticator is the browser's,
// which the browser tests use; here a test needs genuine answers to challenges it picks.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest();
const b64url = (data: string | Buffer | Uint8Array) => Buffer.from(data).toString("base64url");

export interface SoftwarePasskey {
  /** The credential id (base64url). */
  id: string;
  /** `credential.toJSON()` of `navigator.credentials.create` answering creation options. */
  register(options: { challenge: string }): Record<string, unknown>;
  /** `credential.toJSON()` of `navigator.credentials.get` answering request options. */
  assert(options: { challenge: string }): Record<string, unknown>;
}

/** A passkey with user verification and a signature counter, used from `origin` for RP id `rpId`. */
export function softwarePasskey(origin: string, rpId = "localhost"): SoftwarePasskey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const rawId = randomBytes(16);
  let counter = 0;
  // COSE_Key: kty EC2, alg ES256, crv P-256, x, y.
  const coseKey = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x as string, "base64url")],
      [-3, Buffer.from(jwk.y as string, "base64url")],
    ]),
  );
  /** rpIdHash, flags (UP, UV, and AT when `attested`), counter, then the attested credential. */
  function authenticatorData(attested?: Buffer): Buffer {
    counter += 1;
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head[32] = 0x01 | 0x04 | (attested ? 0x40 : 0);
    head.writeUInt32BE(counter, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }
  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  const id = b64url(rawId);
  return {
    id,
    register({ challenge }) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(rawId.length);
      const attested = Buffer.concat([Buffer.alloc(16), length, rawId, Buffer.from(coseKey)]);
      const attestationObject = isoCBOR.encode(
        new Map<string, unknown>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authenticatorData(attested)],
        ]) as never,
      );
      return {
        id,
        rawId: id,
        type: "public-key",
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64url(clientData("webauthn.create", challenge)),
          attestationObject: b64url(attestationObject),
          transports: ["internal"],
        },
      };
    },
    assert({ challenge }) {
      const data = authenticatorData();
      const json = clientData("webauthn.get", challenge);
      const signature = sign("sha256", Buffer.concat([data, sha256(json)]), privateKey);
      return {
        id,
        rawId: id,
        type: "public-key",
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64url(json),
          authenticatorData: b64url(data),
          signature: b64url(signature),
        },
      };
    },
  };
}
