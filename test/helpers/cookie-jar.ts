// A client that keeps every cookie the app sets (the session's and the passkey challenge's), as a browser does.
import type { TestApp } from "./app.js";

export interface JarAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; argument?: string } }[];
}

/** A GraphQL client with its own cookie jar: `jar` holds name → value. */
export function cookieJarClient(app: TestApp) {
  const jar = new Map<string, string>();
  const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<JarAnswer> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (/Max-Age=0/i.test(line) || eq === pair.length - 1) jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return (await response.json()) as JarAnswer;
  };
  return Object.assign(gql, { jar });
}

/** Each error as [code, argument, message]. */
export const refusalsOf = (answer: JarAnswer) =>
  (answer.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.argument, e.message]);
