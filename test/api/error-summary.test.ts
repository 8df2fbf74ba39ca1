// What a logged unexpected error carries (src/http/error-summary.ts): its class, and its message
// with every value the request carried redacted, wherever in the variables (a JSON argument
// holds arrays) the value sits.
import { describe, expect, it } from "vitest";
import { requestValues, summarizeError } from "../../src/http/error-summary.js";

describe("error summary", () => {
  it("redacts values found in arrays of the variables, at any depth", () => {
    const values = requestValues([
      {
        query: "mutation Register($r: JSON!) { registerPasskey(response: $r) { id } }",
        variables: { r: { transports: ["token-in-a-list"], nested: [[{ code: "code-two-deep" }]] } },
      },
    ]);
    const summary = summarizeError(new Error('driver refused "token-in-a-list" and "code-two-deep"'), values);
    expect(summary.message).toBe('driver refused "[redacted]" and "[redacted]"');
  });

  it("redacts numbers given as variables, not only those written in the document", () => {
    const values = requestValues([
      { query: "query($n: Int!) { students(first: $n) { totalCount } }", variables: { n: 424242 } },
    ]);
    expect(summarizeError(new Error("no row 424242"), values).message).toBe("no row [redacted]");
  });

  it("names an error of an anonymous class Error", () => {
    const Anonymous = [class extends Error {}][0];
    expect(Anonymous.name).toBe("");
    expect(summarizeError(new Anonymous("boom"))).toMatchObject({ type: "Error", message: "boom" });
  });

  it("says only the type of a thrown value that is not an Error, never the value", () => {
    expect(summarizeError({ password: "hunter2-thrown" })).toEqual({ type: "object", message: "(not an Error)" });
    expect(summarizeError("hunter2-thrown")).toEqual({ type: "string", message: "(not an Error)" });
  });
});
