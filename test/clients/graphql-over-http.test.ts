// graphql-http's GraphQL-over-HTTP server audits against the running server.
import { type AuditResult, serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/database.js";
import { type ServedApp, serveTestApp } from "../helpers/server.js";

interface Outcome {
  id: string;
  name: string;
  status: AuditResult["status"];
  reason?: string;
  httpStatus?: number;
}

/** Runs every audit, one after the other, with `fetchFn` as the client. */
async function audit(url: string, fetchFn: typeof fetch): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
    const result = await fn();
    outcomes.push({
      id,
      name,
      status: result.status,
      ...(result.status === "ok" ? {} : { reason: result.reason, httpStatus: result.response.status }),
    });
  }
  return outcomes;
}

/** The three GET audits that send none of the CSRF headers. */
const HEADERLESS_GETS = ["5A70", "D6D5", "6A70"];

describe.each(BACKENDS)("GraphQL over HTTP audits (%s)", (backend) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveTestApp(backend);
  });
  afterAll(() => served?.close());

  it("passes every MUST and SHOULD; only header-less GETs (MAY) are refused, by the CSRF defence", async () => {
    const outcomes = await audit(served.endpoint, fetch);
    expect(outcomes.length).toBeGreaterThan(50);
    expect(outcomes.filter((o) => o.name.startsWith("MUST") && o.status !== "ok")).toEqual([]);
    expect(outcomes.filter((o) => o.name.startsWith("SHOULD") && o.status !== "ok")).toEqual([]);
    const refused = outcomes.filter((o) => o.status !== "ok");
    expect(refused.map((o) => o.id).sort()).toEqual([...HEADERLESS_GETS].sort());
    for (const o of refused) expect(o).toMatchObject({ status: "notice", httpStatus: 403 });
  });

  it("passes every audit, MAY included, for a client that sends the CSRF header", async () => {
    const withHeader: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("x-graphql-yoga-csrf", "1");
      return fetch(input, { ...init, headers });
    };
    const outcomes = await audit(served.endpoint, withHeader);
    expect(outcomes.filter((o) => o.status !== "ok")).toEqual([]);
  });
});
