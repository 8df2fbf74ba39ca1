// `npm run schema`: prints the schema from the code into schema.graphql (sorted).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { printSchema } from "graphql";
import { schema } from "../src/schema/index.js";

const file = path.resolve(import.meta.dirname, "../schema.graphql");
writeFileSync(file, `${printSchema(schema)}\n`);
console.log(`Wrote ${path.relative(process.cwd(), file)}`);
