// The schema: imports each domain file for its side effects, then builds.
import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.js";
import "./scalars.js";
import "./node.js";
import "./user.js";
import "./student.js";
import "./house.js";
import "./account.js";
import "./sessions.js";
import "./json.js";
import "./security.js";
import "./second-factor.js";
import "./reauthenticate.js";
import "./live.js";
import "./passkeys.js";
import "./password-reset.js";
import "./email.js";

/** The executable schema, sorted so that the printed SDL is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());
