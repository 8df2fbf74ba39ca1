// What NODE_ENV=production requires besides the setting a test is about.

/** Passkeys' relying party and origins, and where mail goes and links point. */
export const PRODUCTION_REQUIRED = {
  WEBAUTHN_RP_ID: "app.example",
  WEBAUTHN_ORIGINS: "https://app.example",
  SMTP_URL: "smtp://127.0.0.1:9",
  APP_URL: "https://app.example",
} as const;

/** A production environment that loads; spread a test's own variables over it. */
export const PRODUCTION = { NODE_ENV: "production", ...PRODUCTION_REQUIRED } as const;
