// Relay object identification: the Node interface, global ids, and `node(id)`.

import { parseUuid } from "../db/uuid.js";
import type { Context } from "../http/context.js";
import { builder } from "./builder.js";

export type NodeType = "User" | "Student" | "Session" | "Passkey";
const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>(["User", "Student", "Session", "Passkey"]);

/** `base64url("Type:uuid")`. */
export function toGlobalId(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id}`).toString("base64url");
}

/** The type and row id of a global id, or null when it is not one of ours. */
export function fromGlobalId(globalId: string): { type: NodeType; id: string } | null {
  if (globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, "base64url").toString("utf8");
  const sep = decoded.indexOf(":");
  const type = decoded.slice(0, sep);
  const id = parseUuid(decoded.slice(sep + 1));
  if (sep < 1 || !NODE_TYPES.has(type) || !id) return null;
  return { type: type as NodeType, id };
}

// Each implementing type resolves `id` to its global id and recognises its rows (isTypeOf).
export const NodeRef = builder.interfaceRef<{ id: string }>("Node").implement({
  description: "An object with a global id (Relay).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Global id: pass it to `node(id)`." }),
  }),
});

/** One loader per Node type; each applies the same rules as the type's own root field. */
export const nodeLoaders = new Map<NodeType, (id: string, ctx: Context) => Promise<{ id: string } | null>>();

builder.queryField("node", (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    description:
      "Fetches an object by global id. Returns what the matching root field would: an anonymous caller asking for a student gets UNAUTHENTICATED.",
    args: { id: t.arg.id({ required: true }) },
    // The id's type decides the rule before any lookup, so existence never leaks.
    skipTypeScopes: true,
    authScopes: (_parent, args) => (fromGlobalId(String(args.id)) ? { signedIn: true } : { public: true }),
    resolve: async (_root, args, ctx) => {
      const parsed = fromGlobalId(String(args.id));
      const load = parsed && nodeLoaders.get(parsed.type);
      return load ? load(parsed.id, ctx) : null;
    },
  }),
);
