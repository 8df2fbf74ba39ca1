// Who is calling, as an address for throttling: the socket peer, or X-Forwarded-For behind trusted proxies.
import { isIP } from "node:net";

/** What a node:http server hands Yoga with each request (absent for in-process `yoga.fetch`). */
export interface ServerContext {
  req?: { socket?: { remoteAddress?: string } };
}

/** Expands an IPv6 address to its 8 groups of 4 hex digits. */
function groups(v6: string): string[] {
  const [head, tail = ""] = v6.split("::");
  const split = (part: string) => (part ? part.split(":") : []);
  let left = split(head);
  let right = split(tail);
  // an embedded IPv4 tail (::1.2.3.4) is two groups
  const last = right.at(-1) ?? left.at(-1) ?? "";
  if (last.includes(".")) {
    const bytes = last.split(".").map(Number);
    const extra = [((bytes[0] << 8) | bytes[1]).toString(16), ((bytes[2] << 8) | bytes[3]).toString(16)];
    if (right.length) right = [...right.slice(0, -1), ...extra];
    else left = [...left.slice(0, -1), ...extra];
  }
  const fill = v6.includes("::") ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(fill).fill("0"), ...right].map((g) => g.padStart(4, "0").toLowerCase());
}

/**
 * The address a throttle counts against. IPv4-mapped IPv6 becomes plain IPv4; other IPv6
 * addresses count per /64, because one host usually owns a whole /64.
 */
export function throttleKey(address: string): string {
  const bare = address.split("%")[0];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1];
  if (isIP(bare) === 6) return `${groups(bare).slice(0, 4).join(":")}::/64`;
  return bare;
}

/**
 * The caller's address. With `trustProxy` = 0 (the default) X-Forwarded-For is ignored:
 * anyone can write it. With N > 0 the Nth entry from the right is taken, the one the
 * outermost trusted proxy saw; entries further left were written by the client.
 * Without a socket (in-process requests) and no usable header the answer is `unknown`.
 */
export function clientAddress(request: Request, server: ServerContext, trustProxy: number): string {
  const socket = server.req?.socket?.remoteAddress;
  if (trustProxy > 0) {
    const forwarded = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    // The nearest proxy appended the last entry; each further trusted proxy vouches for one more.
    const candidate = forwarded[Math.max(0, forwarded.length - trustProxy)];
    if (candidate && isIP(candidate)) return throttleKey(candidate);
  }
  return socket && isIP(socket.split("%")[0]) ? throttleKey(socket) : "unknown";
}
