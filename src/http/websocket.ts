// GraphQL over WebSocket (graphql-ws) on the HTTP server's own port: origin check, then Yoga's pipeline.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type ExecutionArgs, GraphQLError, type GraphQLSchema, getOperationAST, parse } from "graphql";
import type { OperationResult } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";
import type { YogaServer } from "./yoga.js";

/** The server's own origin (same host as the request) or one listed in CORS_ORIGINS. */
export function originAllowed(request: IncomingMessage, corsOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  // Browsers always send Origin on a WebSocket; only they carry ambient cookies across sites.
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The upgrade request as a fetch Request, so that the context reads its cookie like any other. */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Request(new URL(req.url ?? "/graphql", `http://${req.headers.host ?? "localhost"}`), { headers });
}

// Valid graphql-ws messages that only a server sends: graphql-ws would answer one from a client
// with 4500 and a stack trace on stderr; the protocol's answer to such a message is 4400.
const SERVER_ONLY = new Set(["connection_ack", "next", "error"]);

/** The `type` of a JSON message, or undefined (graphql-ws answers anything malformed itself). */
function messageType(data: unknown): unknown {
  try {
    return (JSON.parse(String(data)) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

type Listener = (...args: unknown[]) => void;

/**
 * Screens what graphql-ws would mishandle before its listeners see it: a server-only message
 * closes the socket with 4400; a client's framing error (an oversize or malformed frame, which
 * `ws` has already answered with its close code, e.g. 1009) is not passed on to graphql-ws,
 * which would print it to stderr. graphql-ws takes both through `on` and has no hook of its own.
 */
function screen(socket: WebSocket): void {
  const on = socket.on.bind(socket) as (event: string, listener: Listener) => WebSocket;
  socket.on = ((event: string, listener: Listener) => {
    if (event === "error") {
      return on(event, (error: unknown) => {
        if (!String((error as { code?: unknown }).code).startsWith("WS_ERR_")) listener(error);
      });
    }
    if (event !== "message") return on(event, listener);
    return on(event, (data: unknown, ...rest: unknown[]) => {
      const type = messageType(data);
      if (typeof type === "string" && SERVER_ONLY.has(type)) socket.close(4400, `Unexpected message of type ${type}`);
      else listener(data, ...rest);
    });
  }) as WebSocket["on"];
}

const onlySubscriptions = new GraphQLError(
  "Only subscriptions are served over WebSocket; send queries and mutations over HTTP.",
  { extensions: { code: "BAD_REQUEST" } },
);

export interface WebSocketEndpoint {
  /** Closes every socket (1001 Going away) and stops accepting upgrades. */
  close(): Promise<void>;
}

/**
 * Serves `graphql-transport-ws` on `/graphql` of `server`. An upgrade from a foreign Origin is
 * refused with 403 before any message; each subscribe runs through Yoga's parse, validate,
 * limits, context (the upgrade request's session cookie) and error masking.
 */
export function attachWebSocket(server: Server, yoga: YogaServer, config: Config, log: Logger): WebSocketEndpoint {
  // Oversize messages close the socket with 1009 before they are parsed.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/graphql") return refuse(socket, 404, "Not Found");
    if (!originAllowed(req, config.corsOrigins)) {
      log.warn({ event: "websocket_origin_refused", origin: req.headers.origin }, "websocket from a foreign origin");
      return refuse(socket, 403, "Forbidden");
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      screen(ws);
      wss.emit("connection", ws, req);
    });
  });

  const disposable = useServer(
    {
      isProd: config.nodeEnv === "production",
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const request = toRequest(ctx.extra.request);
        const enveloped = yoga.getEnveloped({ request, req: ctx.extra.request, params });
        const refuse = (errors: readonly GraphQLError[]) => refusal(enveloped.schema, errors);
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(params.query);
        } catch (error) {
          return refuse([error instanceof GraphQLError ? error : new GraphQLError("Syntax error.")]);
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return refuse(errors);
        if (getOperationAST(document, params.operationName)?.operation !== "subscription")
          return refuse([onlySubscriptions]);
        return {
          schema: enveloped.schema,
          document,
          variableValues: params.variables,
          operationName: params.operationName,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
    config.live.keepAliveMs > 0 ? config.live.keepAliveMs : Number.POSITIVE_INFINITY,
  );
  return { close: () => disposable.dispose() as Promise<void> };
}

/**
 * An operation that only answers `errors` (as a `next`, then `complete`). Returned instead of
 * the bare error list, which graphql-ws recognises by `instanceof` against its own copy of graphql.
 */
function refusal(schema: GraphQLSchema, errors: readonly GraphQLError[]): ExecutionArgs {
  const answer = () => ({ errors }) as OperationResult;
  return { schema, document: parse("{ __typename }"), rootValue: { execute: answer, subscribe: answer } };
}

/** Yoga's enveloped execute and subscribe, carried to graphql-ws as the root value. */
type Enveloped = {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
};
