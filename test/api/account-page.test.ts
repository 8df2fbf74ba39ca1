// The account page's files at /account: GET and HEAD with their type, a strict CSP and the
// security headers; any other method is not served the page.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";

const FILES: [path: string, file: string, type: string][] = [
  ["/account", "index.html", "text/html; charset=utf-8"],
  ["/account/", "index.html", "text/html; charset=utf-8"],
  ["/account/account.js", "account.js", "text/javascript; charset=utf-8"],
  ["/account/email.js", "email.js", "text/javascript; charset=utf-8"],
  ["/account/account.css", "account.css", "text/css; charset=utf-8"],
];

const read = (file: string) => readFileSync(new URL(`../../public/account/${file}`, import.meta.url), "utf8");

function expectPageHeaders(response: Response, type: string): void {
  expect(response.headers.get("content-type")).toBe(type);
  expect(response.headers.get("content-security-policy")).toBe(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("cache-control")).toBe("no-cache");
}

// One app built inside the one test: the plugin is made while the app is built, and the mutation
// run only credits a test with what runs inside it.
describe("the account page (PGlite)", () => {
  it("serves each file on GET and HEAD with its type, the CSP and the security headers; not other methods", async () => {
    const app = await createTestApp("pglite");
    const fetchPath = (path: string, method: string) => app.yoga.fetch(`http://localhost${path}`, { method });
    try {
      for (const [path, file, type] of FILES) {
        const get = await fetchPath(path, "GET");
        expect(get.status, path).toBe(200);
        expectPageHeaders(get, type);
        expect(await get.text(), path).toBe(read(file));
        // HEAD: the same headers, no body
        const head = await fetchPath(path, "HEAD");
        expect(head.status, path).toBe(200);
        expectPageHeaders(head, type);
        expect(await head.text(), path).toBe("");
      }
      for (const method of ["POST", "PUT", "DELETE"]) {
        const response = await fetchPath("/account", method);
        expect(response.status, method).toBe(404);
        expect(response.headers.get("content-security-policy"), method).toBeNull();
        expect(await response.text(), method).not.toContain("<html");
      }
    } finally {
      await app.dispose();
    }
  });
});
