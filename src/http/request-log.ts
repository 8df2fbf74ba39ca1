// Per-request logging: a request id (accepted or generated, echoed back), a child logger
// for the request's own log lines, and one summary line when the response leaves.
import { randomUUID } from "node:crypto";
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../log.js";
import { type RequestValues, requestValues, summarizeError } from "./error-summary.js";

/** The response header carrying the id; a client's own id is accepted when it is sane. */
export const REQUEST_ID_HEADER = "x-request-id";

/** Ids a proxy or client may send: short, printable, nothing that could forge a log line. */
const SANE_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

interface RequestState {
  id: string;
  log: Logger;
  started: number;
  operationName?: string | null;
  operationType?: string;
  fields?: string[];
  userId?: string | null;
  errors?: string[];
  /** The request's documents and variables, kept to scrub them out of a logged error. */
  params: RequestValues[];
}

const states = new WeakMap<Request, RequestState>();

/** The request's child logger (carries `reqId`), or `fallback` outside a request. */
export function requestLogger(request: Request | undefined, fallback: Logger): Logger {
  return (request && states.get(request)?.log) || fallback;
}

/** Unexpected errors already logged with their request id (see `logUnexpected`). */
const logged = new WeakSet<object>();

/** The error behind a GraphQL error that Yoga will mask, or null for an expected one. */
function unexpected(error: unknown): object | null {
  if (!(error instanceof GraphQLError)) return typeof error === "object" && error ? error : null;
  const original = error.originalError;
  return original && !(original instanceof GraphQLError) ? original : null;
}

/**
 * Logs an unexpected (to be masked) error once: with the request's logger, operation name and
 * field path when `request` is known (execution and the user lookup), else with `fallback`
 * from Yoga's masking hook. Never the error object itself: see `summarizeError`.
 */
export function logUnexpected(error: unknown, fallback: Logger, request?: Request): void {
  const original = unexpected(error);
  if (!original || logged.has(original)) return;
  logged.add(original);
  const state = request && states.get(request);
  const operation = state?.operationName ?? operationNameOf(state?.params[0]);
  const path = error instanceof GraphQLError && error.path ? error.path.join(".") : undefined;
  (state?.log ?? fallback).error(
    { operation, ...(path ? { path } : {}), err: summarizeError(original, requestValues(state?.params ?? [])) },
    "unexpected error",
  );
}

/** The operation's name before execution (the user lookup): from the document itself. */
function operationNameOf(params: RequestValues | undefined): string | null {
  if (!params?.query) return null;
  try {
    return operationOf(parse(params.query, { noLocation: true }), params.operationName)?.name?.value ?? null;
  } catch {
    return null;
  }
}

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? ops.find((o) => o.name?.value === name) : ops[0];
}

function errorCodes(result: unknown): string[] {
  const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
  return results.flatMap((r) => (r?.errors ?? []).map((e) => String(e.extensions?.code ?? "INTERNAL")));
}

/**
 * Logs every request as one JSON line: reqId, method, path, status, operation, userId,
 * durationMs and outcome (`ok`, or `error` with the error codes). Probes of `/health` and
 * `/ready` log at debug level so that a load balancer does not flood the log.
 */
export function useRequestLog(log: Logger): Plugin<{ user?: { id: string } | null }> {
  function stateFor(request: Request): RequestState {
    let state = states.get(request);
    if (!state) {
      const offered = request.headers.get(REQUEST_ID_HEADER);
      const id = offered && SANE_ID.test(offered) ? offered : randomUUID();
      state = { id, log: log.child({ reqId: id }), started: performance.now(), params: [] };
      states.set(request, state);
    }
    return state;
  }
  return {
    onRequest({ request }) {
      stateFor(request);
    },
    onParams({ request, params }) {
      stateFor(request).params.push(params);
    },
    onExecute({ args }) {
      const state = states.get(args.contextValue.request);
      const op = operationOf(args.document, args.operationName);
      if (!state || !op) return;
      state.operationName = op.name?.value ?? null;
      state.operationType = op.operation;
      state.fields = op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
      return {
        onExecuteDone({ result }) {
          state.userId = args.contextValue.user?.id ?? null;
          // Logged here, before masking, so the line carries the request id.
          if ("errors" in result)
            for (const error of result.errors ?? []) logUnexpected(error, state.log, args.contextValue.request);
        },
      };
    },
    onResultProcess({ request, result }) {
      const state = states.get(request);
      if (state) state.errors = errorCodes(result);
    },
    onResponse({ request, response }) {
      const state = stateFor(request);
      response.headers.set(REQUEST_ID_HEADER, state.id);
      const url = new URL(request.url);
      const probe = url.pathname === "/health" || url.pathname === "/ready";
      const failed = response.status >= 400 || (state.errors?.length ?? 0) > 0;
      state.log[probe ? "debug" : failed && response.status >= 500 ? "warn" : "info"](
        {
          method: request.method,
          path: url.pathname,
          status: response.status,
          operation: state.operationName,
          operationType: state.operationType,
          fields: state.fields,
          userId: state.userId,
          durationMs: Math.round((performance.now() - state.started) * 10) / 10,
          outcome: failed ? "error" : "ok",
          ...(state.errors?.length ? { errors: state.errors } : {}),
        },
        "request",
      );
    },
  };
}
