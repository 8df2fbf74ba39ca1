// Cookies out: each request session's Set-Cookie headers on the response of its request.
import type { Plugin } from "graphql-yoga";
import type { RequestSession } from "../session/request.js";

/** The sessions of each request, filled by the context factory, read when the response leaves. */
export type SessionsByRequest = WeakMap<Request, RequestSession[]>;

/** Remembers `session` as one of `request`'s (a batched request has one per operation). */
export function rememberSession(sessions: SessionsByRequest, request: Request, session: RequestSession): void {
  const list = sessions.get(request);
  if (list) list.push(session);
  else sessions.set(request, [session]);
}

/** Writes each session's Set-Cookie headers onto the response of its request. */
export function useSessionCookies(sessions: SessionsByRequest): Plugin {
  return {
    onResponse({ request, response }) {
      for (const session of sessions.get(request) ?? []) {
        for (const header of [...session.outgoing, ...session.extra]) response.headers.append("set-cookie", header);
      }
    },
  };
}
