// node(id) at the edges of a global id: what is not one of ours, ledger row numbers, the length bound.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const NODE = "query($id: ID!) { node(id: $id) { __typename id ... on PointAward { reason awardedBy { username } } } }";
const globalId = (raw: string) => Buffer.from(raw).toString("base64url");

describe.each(BACKENDS)("global ids (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;
  beforeAll(async () => {
    app = await createTestApp(backend);
    prof = app.client();
    expect((await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password)).body.errors).toBeUndefined();
  });
  afterAll(() => app?.dispose());

  it("answers an anonymous caller null, without an error, for ids that are not ours", async () => {
    const uuid = "8f0e2a5c-1111-4222-8333-444455556666";
    for (const id of ["nonsense", "", globalId(`Wizard:${uuid}`), globalId(`:${uuid}`)]) {
      const res = await app.client().gql(NODE, { id });
      expect(res.body).toEqual({ data: { node: null } });
    }
  });

  it("finds ledger rows by their number, from 1 to 18 digits, and nothing else", async () => {
    const ids = ["7", "123456789012345678"];
    for (const [i, id] of ids.entries()) {
      await app.db.prisma.pointAward.create({
        data: { id: BigInt(id), house: "RAVENCLAW", points: 1, reason: `row ${i}`, houseTotal: 1, awardedById: null },
      });
    }
    for (const [i, id] of ids.entries()) {
      const res = await prof.gql(NODE, { id: globalId(`PointAward:${id}`) });
      // No professor is left on these rows: awardedBy is null, not an error.
      expect(res.body).toEqual({
        data: {
          node: { __typename: "PointAward", id: globalId(`PointAward:${id}`), reason: `row ${i}`, awardedBy: null },
        },
      });
    }
    for (const raw of ["07", "7x", "x7", "0", "-7", "1234567890123456789", "7 "]) {
      const res = await prof.gql(NODE, { id: globalId(`PointAward:${raw}`) });
      expect(res.body).toEqual({ data: { node: null } });
    }
  });

  it("reads an id of up to 200 characters and nothing longer", async () => {
    const me = await prof.gql<{ me: { id: string } }>("{ me { id } }");
    const id = me.body.data?.me.id as string;
    // Base64url decoding skips '=' padding, so a padded id names the same user.
    const padded = (length: number) => id + "=".repeat(length - id.length);
    const at = await prof.gql(NODE, { id: padded(200) });
    expect(at.body).toEqual({ data: { node: { __typename: "User", id } } });
    const over = await prof.gql(NODE, { id: padded(201) });
    expect(over.body).toEqual({ data: { node: null } });
  });
});
