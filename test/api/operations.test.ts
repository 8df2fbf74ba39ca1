// The example client operations (examples/operations/*.graphql) stay valid against schema.graphql.
import { readdirSync, readFileSync } from "node:fs";
import { buildSchema, type GraphQLSchema, Kind, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { OPERATION_NAMES, operationSource } from "../../examples/operations/index.js";

const SDL = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
const FOLDER = new URL("../../examples/operations/", import.meta.url);

function problems(schema: GraphQLSchema, source: string): string[] {
  return validate(schema, parse(source)).map((e) => e.message);
}

describe("example client operations", () => {
  const schema = buildSchema(SDL);
  const files = readdirSync(FOLDER).filter((f) => f.endsWith(".graphql"));

  it("lists every .graphql document of the folder, one named operation each", () => {
    expect(files.map((f) => f.replace(/\.graphql$/, "")).sort()).toEqual([...OPERATION_NAMES].sort());
    for (const name of OPERATION_NAMES) {
      const definitions = parse(operationSource(name)).definitions;
      expect(definitions).toHaveLength(1);
      expect(definitions[0]).toMatchObject({ kind: Kind.OPERATION_DEFINITION, name: { value: name } });
    }
  });

  it.each(files)("%s validates against the committed schema.graphql", (file) => {
    expect(problems(schema, readFileSync(new URL(file, FOLDER), "utf8"))).toEqual([]);
  });

  it("fails when the schema drops or renames a field a client selects", () => {
    const renamed = buildSchema(SDL.replace(/^(\s+)totalCount: Int!/m, "$1total: Int!"));
    expect(problems(renamed, operationSource("Students"))).toEqual([
      'Cannot query field "totalCount" on type "StudentConnection". Did you mean "total"?',
    ]);
    const required = buildSchema(SDL.replace(/students\(([^)]*)first: Int/, "students($1first: Int!"));
    expect(problems(required, operationSource("Students")).join("\n")).toMatch(
      /"\$first" of type "Int" used in position expecting type "Int!"/,
    );
  });
});
