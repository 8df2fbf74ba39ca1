// The JSON scalar: WebAuthn options and responses pass through as plain JSON objects.
import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "./builder.js";

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    default:
      throw new GraphQLError("JSON literals cannot hold variables or enums", {
        extensions: { code: "BAD_USER_INPUT" },
      });
  }
}

builder.scalarType("JSON", {
  description: "Any JSON value (WebAuthn options and responses, in their JSON forms).",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literal,
});
