// The account page at /account: a few static files read once at start, served with a strict CSP.
import { readFileSync } from "node:fs";
import type { Plugin } from "graphql-yoga";

const DIR = new URL("../../public/account/", import.meta.url);

/** Same origin only: the page's own script and styles, the QR as a data: image, and /graphql. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const FILES: Record<string, { file: string; type: string }> = {
  "/account": { file: "index.html", type: "text/html; charset=utf-8" },
  "/account/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/account/account.js": { file: "account.js", type: "text/javascript; charset=utf-8" },
  "/account/email.js": { file: "email.js", type: "text/javascript; charset=utf-8" },
  "/account/account.css": { file: "account.css", type: "text/css; charset=utf-8" },
};

/** Serves GET and HEAD of the account page's files; every other path passes through. */
export function useAccountPage(): Plugin {
  const bodies = new Map(Object.entries(FILES).map(([route, f]) => [route, readFileSync(new URL(f.file, DIR))]));
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const body = bodies.get(url.pathname);
      if (!body || (request.method !== "GET" && request.method !== "HEAD")) return;
      const { type } = FILES[url.pathname] as { type: string };
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : body, {
          headers: {
            "content-type": type,
            "content-security-policy": CSP,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "cache-control": "no-cache",
          },
        }),
      );
    },
  };
}
