// Reading the session cookie out of a Cookie header that carries other cookies and quotes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

describe.each(BACKENDS)("the Cookie header (%s)", (backend) => {
  let app: TestApp;
  let sealed: string;
  beforeAll(async () => {
    app = await createTestApp(backend);
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    sealed = harry.cookie as string;
  });
  afterAll(() => app?.dispose());

  async function whoIs(cookie: string): Promise<string | null> {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ query: "{ me { username } }" }),
    });
    const body = (await response.json()) as { data?: { me: { username: string } | null } };
    return body.data?.me?.username ?? null;
  }

  it("finds the session cookie among others, with or without spaces around it", async () => {
    expect(await whoIs(`session=${sealed}`)).toBe("harry");
    expect(await whoIs(`theme=dark; session=${sealed}; lang=en`)).toBe("harry");
    expect(await whoIs(`theme=dark;session=${sealed} ;lang=en`)).toBe("harry");
  });

  it("reads a value in double quotes", async () => {
    expect(await whoIs(`theme=dark; session="${sealed}"`)).toBe("harry");
  });

  it("does not take a cookie whose name only contains the session cookie's", async () => {
    expect(await whoIs(`xsession=${sealed}`)).toBeNull();
    expect(await whoIs(`session_old=${sealed}`)).toBeNull();
    expect(await whoIs(`=${sealed}`)).toBeNull();
  });
});
