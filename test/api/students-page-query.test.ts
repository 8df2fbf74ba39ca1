// `students` fetches its page and `totalCount` in one statement, and the count stays right.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

interface Page {
  students: {
    totalCount?: number;
    edges: { node: { name: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const studentQueries = (app: TestApp) => app.queries.filter((sql) => sql.includes('"Student"'));

describe.each(BACKENDS)("students page query (%s)", (backend) => {
  let app: TestApp;
  let harry: TestClient;
  let total: number;
  beforeAll(async () => {
    app = await createTestApp(backend);
    harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    total = await app.db.prisma.student.count({ where: { house: "GRYFFINDOR" } });
  });
  afterAll(() => app?.dispose());

  it("answers the page and totalCount with one query on the Student table", async () => {
    app.queries.length = 0;
    const res = await harry.gql<Page>(
      "{ students(house: GRYFFINDOR, first: 3) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }",
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.students.totalCount).toBe(total);
    expect(res.body.data?.students.edges).toHaveLength(3);
    expect(res.body.data?.students.pageInfo.hasNextPage).toBe(true);
    expect(studentQueries(app)).toHaveLength(1);
  });

  it("does not count when totalCount is not asked for", async () => {
    app.queries.length = 0;
    const res = await harry.gql<Page>("{ students(house: GRYFFINDOR, first: 3) { edges { node { name } } } }");
    expect(res.body.data?.students.edges).toHaveLength(3);
    expect(studentQueries(app)).toHaveLength(1);
    expect(studentQueries(app)[0]).not.toMatch(/count/i);
  });

  it("sees totalCount asked for through fragments", async () => {
    app.queries.length = 0;
    const res = await harry.gql<Page>(
      `{ students(house: GRYFFINDOR, first: 2) { ...Conn } }
       fragment Conn on StudentConnection { ... on StudentConnection { totalCount } edges { node { name } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.students.totalCount).toBe(total);
    expect(studentQueries(app)).toHaveLength(1);
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
