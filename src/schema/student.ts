// Students: the type, its Relay connection, and `students(house, first, after)`.
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from "graphql";
import type { StudentRow } from "../db/students.js";
import { parseUuid } from "../db/uuid.js";
import { badInput } from "../errors.js";
import type { House } from "../generated/prisma/enums.js";
import type { Context } from "../http/context.js";
import { builder } from "./builder.js";
import { NodeRef, nodeLoaders, toGlobalId } from "./node.js";
import { HouseEnum } from "./scalars.js";

export const StudentRef = builder.objectRef<StudentRow>("Student").implement({
  description: "A student of Hogwarts.",
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === "object" && value !== null && "year" in value && "email" in value,
  authScopes: { signedIn: true },
  fields: (t) => ({
    id: t.id({ resolve: (s) => toGlobalId("Student", s.id) }),
    name: t.exposeString("name"),
    house: t.expose("house", { type: HouseEnum }),
    year: t.exposeInt("year", { description: "1 to 7" }),
    email: t.exposeString("email", {
      nullable: true,
      description: "Visible to professors and to students of the same house; others get null and FORBIDDEN.",
      authScopes: (student) => ({ $any: { professor: true, sameHouse: student.house } }),
    }),
  }),
});

nodeLoaders.set("Student", (id, ctx) => ctx.students.findById(id));

const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>(
    "PageInfo",
  )
  .implement({
    description: "Relay page information.",
    authScopes: { public: true }, // reachable only through guarded connections
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
      startCursor: t.exposeString("startCursor", { nullable: true }),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });

/** An edge is its row: the cursor is encoded only when asked for. */
const EdgeRef = builder.objectRef<StudentRow>("StudentEdge").implement({
  authScopes: { public: true }, // the node itself is guarded by Student's rule
  fields: (t) => ({
    cursor: t.string({ resolve: (row) => encodeCursor(row) }),
    node: t.field({ type: StudentRef, resolve: (row) => row }),
  }),
});

interface ConnectionShape {
  house: House;
  /** Fetched with the page when the query selected it. */
  totalCount?: number;
  edges: StudentRow[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const ConnectionRef = builder.objectRef<ConnectionShape>("StudentConnection").implement({
  description: "A page of students of one house, ordered by name, then id.",
  authScopes: { public: true }, // reachable only through `students`, which needs a session
  fields: (t) => ({
    edges: t.field({ type: [EdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    totalCount: t.int({
      description: "How many students the whole house has.",
      resolve: (c, _args, ctx) => c.totalCount ?? ctx.students.countInHouse(c.house),
    }),
  }),
});

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;

/** Cursors are opaque: base64url of JSON `[name, id]`. */
function encodeCursor(row: StudentRow): string {
  return Buffer.from(JSON.stringify([row.name, row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      const id = parseUuid(value[1]);
      if (id && !value[0].includes("\0")) return { name: value[0], id };
    }
  } catch {
    // fall through
  }
  throw badInput("after is not a cursor returned by this API", "after");
}

/** Whether `field` is selected in the selection set, through fragments too. */
function selects(set: SelectionSetNode | undefined, field: string, fragments: Record<string, FragmentDefinitionNode>) {
  const seen = new Set<string>();
  const walk = (s: SelectionSetNode | undefined): boolean =>
    (s?.selections ?? []).some((sel) => {
      if (sel.kind === "Field") return sel.name.value === field;
      if (sel.kind === "InlineFragment") return walk(sel.selectionSet);
      const name = sel.name.value;
      if (seen.has(name)) return false;
      seen.add(name);
      return walk(fragments[name]?.selectionSet);
    });
  return walk(set);
}

async function studentsPage(
  ctx: Context,
  info: GraphQLResolveInfo,
  house: House,
  first: number,
  after: string | null,
): Promise<ConnectionShape> {
  const from = after === null ? null : decodeCursor(after);
  const query = { house, take: first + 1, after: from };
  // totalCount selected: page and count in one statement, one round trip instead of two.
  const withTotal = info.fieldNodes.some((node: FieldNode) => selects(node.selectionSet, "totalCount", info.fragments));
  const { rows, total } = await ctx.students.page(query, withTotal);
  const page = rows.slice(0, first);
  const start = page[0];
  const end = page.at(-1);
  return {
    house,
    ...(total === undefined ? {} : { totalCount: total }),
    edges: page,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: from !== null,
      startCursor: start ? encodeCursor(start) : null,
      endCursor: end ? encodeCursor(end) : null,
    },
  };
}

builder.queryField("students", (t) =>
  t.field({
    type: ConnectionRef,
    description: `Students of a house, ${DEFAULT_PAGE} at a time by default and ${MAX_PAGE} at most. Needs a session.`,
    authScopes: { signedIn: true },
    args: {
      house: t.arg({ type: HouseEnum, required: true }),
      first: t.arg.int({ description: `Page size, 0 to ${MAX_PAGE}; default ${DEFAULT_PAGE}.` }),
      after: t.arg.string({ description: "The endCursor of the previous page." }),
    },
    resolve: (_root, args, ctx, info) => {
      const first = args.first ?? DEFAULT_PAGE;
      if (first < 0 || first > MAX_PAGE) throw badInput(`first must be from 0 to ${MAX_PAGE}`, "first");
      return studentsPage(ctx, info, args.house, first, args.after ?? null);
    },
  }),
);
