// The minimal-Yoga ceiling: a stock createYoga answering the students query from memory
// (no auth, no database, no plugins). Served over HTTP by bench/ceiling.ts, in-process by
// bench/inprocess.ts.
import { createSchema, createYoga } from "graphql-yoga";

/** `students` is the `data.students` of the reference answer, returned as it is. */
export function createMinimalYoga(students: unknown) {
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      enum House { GRYFFINDOR HUFFLEPUFF RAVENCLAW SLYTHERIN }
      type Student { name: String! year: Int! email: String }
      type StudentEdge { cursor: String! node: Student! }
      type StudentConnection { totalCount: Int! edges: [StudentEdge!]! }
      type Query { students(house: House!, first: Int, after: String): StudentConnection! }
    `,
    resolvers: { Query: { students: () => students } },
  });
  return createYoga({ schema, logging: false, landingPage: false, graphiql: false });
}
