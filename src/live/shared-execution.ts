// A subscription event's selection executed once per audience, not once per subscriber.
import {
  BREAK,
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { isAsyncIterable, mapAsyncIterator, mapMaybePromise, type Plugin, type PromiseOrValue } from "graphql-yoga";
import type { Context } from "../http/context.js";
import { Ended } from "./stream.js";

/** Scopes that read only the user's role or house (src/schema/builder.ts): the audience. */
const AUDIENCE_SCOPES = new Set(["public", "signedIn", "professor", "sameHouse"]);
const audience = (ctx: Context) => `${ctx.user?.role ?? "-"}:${ctx.user?.house ?? "-"}`;

/** Whether Pothos scopes (`authScopes` of a type or field) depend on nothing but the audience. */
function audienceOnly(scopes: unknown): boolean {
  if (scopes === undefined) return true;
  // A function computes scopes from the object (`self: user.id`): per user.
  if (typeof scopes !== "object" || scopes === null) return false;
  return Object.entries(scopes).every(([name, value]) =>
    name === "$any" || name === "$all" ? audienceOnly(value) : AUDIENCE_SCOPES.has(name),
  );
}

const scopesOf = (x: { extensions: Record<string, unknown> }) =>
  (x.extensions.pothosOptions as { authScopes?: unknown } | undefined)?.authScopes;

function typeAudienceOnly(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
  if (isAbstractType(type)) return schema.getPossibleTypes(type).every((t) => audienceOnly(scopesOf(t)));
  return audienceOnly(scopesOf(type));
}

/**
 * Whether every field the document selects, and every type it reaches, is guarded by
 * audience scopes only. A document that selects a per-user field (`awardedBy { email }`:
 * the awarding professor's own address, FORBIDDEN to others) is executed per subscriber.
 */
const shareable = new WeakMap<DocumentNode, boolean>();
function isShareable(schema: GraphQLSchema, document: DocumentNode): boolean {
  let ok = shareable.get(document);
  if (ok !== undefined) return ok;
  ok = true;
  const info = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(info, {
      Field() {
        const field = info.getFieldDef();
        if (!field || !audienceOnly(scopesOf(field)) || !typeAudienceOnly(schema, getNamedType(field.type))) {
          ok = false;
          return BREAK;
        }
      },
    }),
  );
  shareable.set(document, ok);
  return ok;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) {
    id = nextDocumentId++;
    documentIds.set(document, id);
  }
  return id;
}

/** The answers to one event, by audience and operation; collected with the event. */
const answers = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();

/** JSON.stringify, once per shared answer (Yoga's SSE writer calls `result.stringify` when present). */
function withStringify(result: ExecutionResult): ExecutionResult {
  let text: string | undefined;
  Object.defineProperty(result, "stringify", {
    enumerable: false,
    value: (value: unknown) => {
      if (value !== result) return JSON.stringify(value);
      text ??= JSON.stringify(result);
      return text;
    },
  });
  return result;
}

function executeOnce(args: ExecutionArgs, event: unknown, key: string | null): PromiseOrValue<ExecutionResult> {
  const run = () => execute({ ...args, rootValue: event });
  // An Ended item is its stream's own (the error that ends it): nothing to share.
  if (key === null || typeof event !== "object" || event === null || event instanceof Ended) return run();
  let byKey = answers.get(event);
  if (!byKey) {
    byKey = new Map();
    answers.set(event, byKey);
  }
  let answer = byKey.get(key);
  if (!answer) {
    answer = mapMaybePromise(run(), withStringify);
    byKey.set(key, answer);
  }
  return answer;
}

/** graphql-js's subscribe, its per-event execution shared by subscribers of one audience. */
function subscribeShared(args: ExecutionArgs) {
  const key = isShareable(args.schema, args.document)
    ? [
        audience(args.contextValue as Context),
        documentId(args.document),
        args.operationName ?? "",
        JSON.stringify(args.variableValues ?? {}),
      ].join("|")
    : null;
  return mapMaybePromise(createSourceEventStream(args), (source) =>
    isAsyncIterable(source) ? mapAsyncIterator(source, (event) => executeOnce(args, event, key)) : source,
  );
}

/**
 * 1,000 subscribers of one document get one execution per event and audience instead of
 * 1,000: the awards each subscriber receives are the same objects, so the answer is keyed by
 * the event (a WeakMap: nothing outlives it), the audience (role and house), the document,
 * operation and variables. The scopes are read from the schema, so a per-user field added
 * later makes the documents that select it per-subscriber again.
 */
export function useSharedEventExecution(): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeShared as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
