// `students`, `Student.email` and `node(id)`: who sees what, paging through a house, and its count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

interface Page {
  students: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; name: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

const PAGE = `query($house: House!, $first: Int, $after: String) {
  students(house: $house, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe.each(BACKENDS)("students (%s)", (backend) => {
  let app: TestApp;
  let harry: TestClient;
  let luna: TestClient;
  let prof: TestClient;
  beforeAll(async () => {
    app = await createTestApp(backend);
    harry = app.client();
    luna = app.client();
    prof = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    await luna.login(DEMO.luna.username, DEMO.luna.password);
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });
  afterAll(() => app?.dispose());

  it("refuses an anonymous caller with UNAUTHENTICATED and no data", async () => {
    const res = await app.client().gql("{ students(house: GRYFFINDOR) { totalCount } }");
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.body.data?.students ?? null).toBeNull();
    expect(res.body.errors?.[0].path).toEqual(["students"]);
  });

  it("lets anyone see the houses without a session", async () => {
    const res = await app.client().gql("{ houses { house points } }");
    expect(res.body.data).toEqual({
      houses: ["GRYFFINDOR", "HUFFLEPUFF", "RAVENCLAW", "SLYTHERIN"].map((house) => ({
        house,
        points: expect.any(Number),
      })),
    });
  });

  it("pages through a whole house in name order without duplicates or gaps", async () => {
    const all = await app.db.prisma.student.findMany({ where: { house: "GRYFFINDOR" } });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await harry.gql<Page>(PAGE, { house: "GRYFFINDOR", first: 5, after });
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data?.students as Page["students"];
      expect(page.totalCount).toBe(all.length);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((e) => e.node.name));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(all.length / 5));
    expect(new Set(seen).size).toBe(seen.length);
    const expected = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
    expect(seen).toEqual(expected.map((s) => s.name));
  });

  it("orders students with the same name by id and keeps the cursor stable", async () => {
    await app.db.prisma.student.createMany({
      data: [1, 2, 3].map((n) => ({
        name: "Twin Student",
        house: "HUFFLEPUFF" as const,
        year: 2,
        email: `twin${n}@x.example`,
      })),
    });
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await harry.gql<Page>(PAGE, { house: "HUFFLEPUFF", first: 1, after });
      const page = res.body.data?.students as Page["students"];
      ids.push(...page.edges.filter((e) => e.node.name === "Twin Student").map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it("defaults to 50 and refuses more than 100 or a negative page", async () => {
    const res = await harry.gql<Page>(PAGE, { house: "SLYTHERIN" });
    expect(res.body.data?.students.edges.length).toBe(Math.min(50, res.body.data?.students.totalCount ?? 0));
    for (const first of [101, -1, 1_000_000]) {
      const bad = await harry.gql(PAGE, { house: "SLYTHERIN", first });
      expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    }
    expect((await harry.gql<Page>(PAGE, { house: "SLYTHERIN", first: 100 })).body.errors).toBeUndefined();
  });

  it("refuses a cursor it did not make", async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const after of [
      "bm90LWEtY3Vyc29y",
      forged(["Draco Malfoy", "-".repeat(36)]), // right shape, not a uuid
      forged(["Draco\u0000", "00000000-0000-4000-8000-000000000000"]), // NUL: not storable text
      forged({ name: "x" }),
    ]) {
      const res = await harry.gql(PAGE, { house: "SLYTHERIN", after });
      expect(codes(res), after).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("refuses an unknown house as a validation error", async () => {
    const res = await harry.gql(PAGE, { house: "DURMSTRANG" });
    expect(res.status).toBe(400); // a request error under GraphQL over HTTP
    expect(res.body.errors?.[0].message).toMatch(/House/);
    expect(res.body.data).toBeUndefined();
  });

  describe("Student.email", () => {
    const EMAIL = "query($h: House!) { students(house: $h, first: 2) { edges { node { name email } } } }";

    it("is visible to a professor in every house", async () => {
      const res = await prof.gql(EMAIL, { h: "SLYTHERIN" });
      expect(res.body.errors).toBeUndefined();
      const edges = (res.body.data as { students: { edges: { node: { email: string | null } }[] } }).students.edges;
      expect(edges.every((e) => e.node.email?.endsWith("@hogwarts.example"))).toBe(true);
    });

    it("is visible to a student of the same house", async () => {
      const res = await harry.gql(EMAIL, { h: "GRYFFINDOR" });
      expect(res.body.errors).toBeUndefined();
    });

    it("is null with FORBIDDEN for a student of another house, the rest of the data intact", async () => {
      const res = await luna.gql(EMAIL, { h: "GRYFFINDOR" });
      expect(codes(res)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
      expect(res.body.errors?.[0].path).toEqual(["students", "edges", 0, "node", "email"]);
      const edges = (res.body.data as { students: { edges: { node: { name: string; email: null } }[] } }).students
        .edges;
      expect(edges.map((e) => e.node.email)).toEqual([null, null]);
      expect(edges.every((e) => e.node.name.length > 0)).toBe(true);
    });
  });

  describe("node(id)", () => {
    let studentId: string;
    beforeAll(async () => {
      const res = await harry.gql<Page>(PAGE, { house: "GRYFFINDOR", first: 1 });
      studentId = res.body.data?.students.edges[0].node.id as string;
    });
    const NODE = "query($id: ID!) { node(id: $id) { id __typename ... on Student { name email } } }";

    it("gives an anonymous caller UNAUTHENTICATED, not the student", async () => {
      const res = await app.client().gql(NODE, { id: studentId });
      expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
      expect(res.body.data).toEqual({ node: null });
    });

    it("gives an anonymous caller the same answer for an id that does not exist", async () => {
      const missing = Buffer.from("Student:00000000-0000-4000-8000-000000000000").toString("base64url");
      const res = await app.client().gql(NODE, { id: missing });
      expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    });

    it("returns the student to a signed-in caller, with the email rule applied", async () => {
      const own = await harry.gql(NODE, { id: studentId });
      expect(own.body.errors).toBeUndefined();
      expect(own.body.data).toMatchObject({ node: { id: studentId, __typename: "Student" } });
      const other = await luna.gql(NODE, { id: studentId });
      expect(codes(other)).toEqual(["FORBIDDEN"]);
      expect(other.body.data).toMatchObject({ node: { id: studentId, email: null } });
    });

    it("returns null for ids that are not ours", async () => {
      for (const id of ["nonsense", "", Buffer.from("Wizard:1").toString("base64url")]) {
        const res = await harry.gql(NODE, { id });
        expect(res.body).toEqual({ data: { node: null } });
      }
    });
  });

  // Last: it empties Slytherin, which the tests above page through.
  describe("totalCount", () => {
    let total: number;
    beforeAll(async () => {
      total = await app.db.prisma.student.count({ where: { house: "GRYFFINDOR" } });
    });

    it("gives the whole house's count on the last page, on an empty page and for first: 0", async () => {
      const first = await harry.gql<Page>(
        "{ students(house: GRYFFINDOR, first: 100) { totalCount edges { node { name } } pageInfo { endCursor } } }",
      );
      expect(first.body.data?.students.edges).toHaveLength(total);
      const end = first.body.data?.students.pageInfo.endCursor;
      const after = await harry.gql<Page>(
        "query($a: String) { students(house: GRYFFINDOR, first: 5, after: $a) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }",
        { a: end },
      );
      expect(after.body.errors).toBeUndefined();
      expect(after.body.data?.students).toEqual({
        totalCount: total,
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
      const none = await harry.gql<Page>(
        "{ students(house: GRYFFINDOR, first: 0) { totalCount edges { node { name } } } }",
      );
      expect(none.body.data?.students).toEqual({ totalCount: total, edges: [] });
    });

    it("counts a house with no students as 0", async () => {
      await app.db.prisma.student.deleteMany({ where: { house: "SLYTHERIN" } });
      const res = await harry.gql<Page>(
        "{ students(house: SLYTHERIN, first: 5) { totalCount edges { node { name } } } }",
      );
      expect(res.body.data?.students).toEqual({ totalCount: 0, edges: [] });
    });
  });
});
