// Shared scalars and enums: DateTime, House, Role.
import { GraphQLError } from "graphql";
import { House, Role } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";

builder.scalarType("DateTime", {
  description: "An ISO-8601 date and time in UTC, e.g. 2026-11-28T12:00:00.000Z.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : Number.NaN;
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO-8601 string", { extensions: { code: "BAD_USER_INPUT" } });
    }
    return date;
  },
});

export const HouseEnum = builder.enumType(House, { name: "House", description: "The four houses of Hogwarts." });
export const RoleEnum = builder.enumType(Role, { name: "Role", description: "What a user may do." });
