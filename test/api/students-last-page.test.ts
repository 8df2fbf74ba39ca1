// `hasNextPage` at the edge: a page that ends exactly at the house's last student.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

interface Page {
  students: {
    edges: { node: { name: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

const PAGE = `query($first: Int, $after: String) {
  students(house: GRYFFINDOR, first: $first, after: $after) {
    edges { node { name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

describe.each(BACKENDS)("students' last page (%s)", (backend) => {
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

  async function page(first: number, after: string | null = null): Promise<Page["students"]> {
    const res = await harry.gql<Page>(PAGE, { first, after });
    expect(res.body.errors).toBeUndefined();
    return (res.body.data as Page).students;
  }

  it("says there is no next page when the first page holds exactly the whole house", async () => {
    expect(total).toBeGreaterThan(2);
    const all = await page(total);
    expect(all.edges).toHaveLength(total);
    expect(all.pageInfo.hasNextPage).toBe(false);
    // One short of the whole house: there is one more.
    expect((await page(total - 1)).pageInfo.hasNextPage).toBe(true);
  });

  it("says there is no next page when a later page ends exactly at the last student", async () => {
    const head = await page(total - 2);
    expect(head.pageInfo.hasNextPage).toBe(true);
    const tail = await page(2, head.pageInfo.endCursor);
    expect(tail.edges).toHaveLength(2);
    expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});
