// Passkeys: the WebAuthn relying party id and the origins a ceremony may come from.
import { ConfigError } from "./error.js";
import { type Env, originList } from "./parse.js";

export interface WebauthnConfig {
  webauthn: {
    /** Relying party id (a registrable domain of the page's origin). Default `localhost`; required in production. */
    rpId: string;
    /** Origins a passkey ceremony may come from (exact match). Default `http://localhost:PORT`; required in production. */
    origins: string[];
  };
}

/** `WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGINS`: production must name them, since a wrong guess breaks every passkey. */
export function webauthnConfig(env: Env, production: boolean, port: number): WebauthnConfig {
  const rpId = env.WEBAUTHN_RP_ID?.trim().toLowerCase() ?? "";
  const rawOrigins = env.WEBAUTHN_ORIGINS?.trim() ?? "";
  if (production && (!rpId || !rawOrigins)) {
    throw new ConfigError(
      "WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required in production (e.g. example.com and https://example.com)",
    );
  }
  if (rpId && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a domain name like example.com, got "${rpId}"`);
  }
  const origins = rawOrigins
    ? originList(
        rawOrigins,
        (origin) => `WEBAUTHN_ORIGINS holds "${origin}", which is not a bare origin like https://example.com`,
      )
    : [`http://localhost:${port}`];
  return { webauthn: { rpId: rpId || "localhost", origins } };
}
