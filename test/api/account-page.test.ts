// The account page's files at /account: GET and HEAD with their type, a strict CSP and the
// security headers; any other method is not served the page.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";

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

describe("the account page", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite");
  });
  afterAll(() => app?.dispose());

  const fetchPath = (path: string, method: string) => app.yoga.fetch(`http://localhost${path}`, { method });

  it("serves each file on GET with its type, the CSP and the security headers", async () => {
    for (const [path, file, type] of FILES) {
      const response = await fetchPath(path, "GET");
      expect(response.status, path).toBe(200);
      expectPageHeaders(response, type);
      expect(await response.text(), path).toBe(read(file));
    }
  });

  it("answers HEAD with the same headers and no body", async () => {
    for (const [path, , type] of FILES) {
      const response = await fetchPath(path, "HEAD");
      expect(response.status, path).toBe(200);
      expectPageHeaders(response, type);
      expect(await response.text(), path).toBe("");
    }
  });

  it("does not serve the page to other methods", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetchPath("/account", method);
      expect(response.status, method).toBe(404);
      expect(response.headers.get("content-security-policy"), method).toBeNull();
      expect(await response.text(), method).not.toContain("<html");
    }
  });
});
