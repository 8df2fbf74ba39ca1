// The drain before a shutdown: `/ready` fails at once while the listener keeps serving.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/** A request listener that can be switched into draining. */
export interface Drainable {
  listener: RequestListener;
  /** From now on `/ready` answers 503 and every response closes its connection. */
  start(): void;
  readonly draining: boolean;
}

/**
 * Wraps `handler` for a drain. A proxy that checks `/ready` stops sending new requests once
 * it sees 503, while the ones it sent meanwhile are still served; `Connection: close` makes
 * keep-alive clients reconnect, through the proxy, to an instance that stays.
 */
export function drainable(handler: (req: IncomingMessage, res: ServerResponse) => void): Drainable {
  let draining = false;
  return {
    listener(req, res) {
      if (draining) {
        res.setHeader("connection", "close");
        if (req.url?.split("?")[0] === "/ready") {
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ status: "draining" }));
          return;
        }
      }
      handler(req, res);
    },
    start() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
