// Shape checks of WebAuthn JSON arguments before any library sees them: size, types, lengths.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { badInput } from "../errors.js";
import { WEBAUTHN_JSON_MAX } from "./webauthn.js";

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function field(o: Obj, key: string, arg: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw badInput(`${arg}: ${key} is required`, arg);
  }
  if (typeof v !== "string" || !B64URL.test(v) || v.length === 0) {
    throw badInput(`${arg}: ${key} must be a base64url string`, arg);
  }
  return v;
}

/** The common envelope of `credential.toJSON()`; throws BAD_USER_INPUT for anything else. */
function envelope(value: unknown, arg: string): { outer: Obj; inner: Obj } {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(value) ?? "");
  } catch {
    throw badInput(`${arg} must be a JSON object`, arg);
  }
  if (size > WEBAUTHN_JSON_MAX) throw badInput(`${arg} must be at most ${WEBAUTHN_JSON_MAX} bytes`, arg);
  if (!isObj(value)) throw badInput(`${arg} must be the JSON object credential.toJSON() returns`, arg);
  if (value.type !== "public-key") throw badInput(`${arg}: type must be "public-key"`, arg);
  field(value, "id", arg);
  field(value, "rawId", arg);
  if (value.id !== value.rawId) throw badInput(`${arg}: id and rawId differ`, arg);
  if (!isObj(value.response)) throw badInput(`${arg}: response must be an object`, arg);
  field(value.response, "clientDataJSON", arg);
  return { outer: value, inner: value.response };
}

/** The checked envelope, with `clientExtensionResults` an object (the library reads it). */
function withExtensions<T>(outer: Obj): T {
  return {
    ...outer,
    clientExtensionResults: isObj(outer.clientExtensionResults) ? outer.clientExtensionResults : {},
  } as T;
}

/** `value` as an assertion (`navigator.credentials.get`), or BAD_USER_INPUT. */
export function parseAssertion(value: unknown, arg: string): AuthenticationResponseJSON {
  const { outer, inner } = envelope(value, arg);
  field(inner, "authenticatorData", arg);
  field(inner, "signature", arg);
  field(inner, "userHandle", arg, true);
  return withExtensions(outer);
}

/** `value` as a new credential (`navigator.credentials.create`), or BAD_USER_INPUT. */
export function parseRegistration(value: unknown, arg: string): RegistrationResponseJSON {
  const { outer, inner } = envelope(value, arg);
  field(inner, "attestationObject", arg);
  const transports = inner.transports;
  if (
    transports !== undefined &&
    (!Array.isArray(transports) || transports.some((t) => typeof t !== "string" || !TRANSPORTS.has(t)))
  ) {
    throw badInput(`${arg}: transports must be a list of known transports`, arg);
  }
  return withExtensions(outer);
}
