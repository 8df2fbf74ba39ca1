// Raw requests for attack tests: any body, headers and client address, through yoga.fetch.
import type { Application } from "../../src/app.js";
import type { GraphQLResponse } from "./app.js";

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  /** The socket peer address, as node:http would hand it to Yoga. */
  address?: string;
  path?: string;
}

/** Sends `body` as is (a string) or as JSON (anything else); parses a JSON answer. */
export async function raw(app: Application, body: unknown, options: RawOptions = {}): Promise<GraphQLResponse> {
  const method = options.method ?? "POST";
  const headers = { "content-type": "application/json", ...options.headers };
  const init: RequestInit = { method, headers };
  if (method !== "GET" && method !== "HEAD") init.body = typeof body === "string" ? body : JSON.stringify(body);
  const server = options.address ? { req: { socket: { remoteAddress: options.address } } } : {};
  const response = await app.yoga.fetch(`http://localhost${options.path ?? "/graphql"}`, init, server);
  const text = await response.text();
  let parsed: GraphQLResponse["body"];
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { errors: [{ message: `non-JSON answer: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id username } }";

/** One `login` from `address` (socket peer). */
export function loginFrom(app: Application, address: string, username: string, password: string, headers = {}) {
  return raw(app, { query: LOGIN, variables: { u: username, p: password } }, { address, headers });
}
