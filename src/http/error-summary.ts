// What a log line may say about an unexpected error: class, code, its own message, stack frames.
import { GraphQLError, Kind, parse, visit } from "graphql";

/** The parts of a request an error message could quote: the document and the variables. */
export interface RequestValues {
  query?: string | null;
  operationName?: string | null;
  variables?: unknown;
}

export interface ErrorSummary {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Shorter values are left alone: scrubbing "id" or "1" would garble every message. */
const MIN_SCRUBBED = 3;
const MAX_MESSAGE = 500;

function leaves(value: unknown, into: Set<string>): void {
  if (typeof value === "string" || typeof value === "number") into.add(String(value));
  else if (Array.isArray(value)) for (const item of value) leaves(item, into);
  else if (value && typeof value === "object") for (const item of Object.values(value)) leaves(item, into);
}

/** Every literal value written in the documents and every variable value of the request. */
export function requestValues(requests: readonly RequestValues[]): string[] {
  const values = new Set<string>();
  for (const { query, variables } of requests) {
    leaves(variables, values);
    if (!query) continue;
    try {
      visit(parse(query, { noLocation: true }), {
        [Kind.STRING]: (node) => void values.add(node.value),
        [Kind.INT]: (node) => void values.add(node.value),
        [Kind.FLOAT]: (node) => void values.add(node.value),
        [Kind.ENUM]: (node) => void values.add(node.value),
      });
    } catch {
      // an unparsable document reaches no resolver; its values are still scrubbed below
      for (const match of query.matchAll(/"((?:[^"\\]|\\.)*)"/g)) values.add(match[1]);
    }
  }
  return [...values].filter((v) => v.length >= MIN_SCRUBBED).sort((a, b) => b.length - a.length);
}

function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) out = out.split(value).join("[redacted]");
  return out;
}

function typeName(error: Error): string {
  if (error.name && error.name.toLowerCase() !== "error") return error.name;
  return typeof error.constructor === "function" && error.constructor.name ? error.constructor.name : "Error";
}

/**
 * Summarises an unexpected error for the log. A GraphQLError's toString() prints the document
 * around the error's location (passwords written inline with it), and a driver's message may
 * quote a parameter, so: the class, the `code`, the message on one line with every value the
 * request carried replaced by `[redacted]`, and the stack's frames without its message line.
 */
export function summarizeError(error: unknown, values: readonly string[] = []): ErrorSummary {
  if (!(error instanceof Error)) return { type: typeof error, message: "(not an Error)" };
  const own = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const message = scrub(own.message.replace(/\s+/g, " ").trim(), values).slice(0, MAX_MESSAGE);
  const code = (own as { code?: unknown }).code;
  const frames = own.stack
    ?.split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
  return {
    type: typeName(own),
    message,
    ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
    ...(frames ? { stack: scrub(frames, values) } : {}),
  };
}
