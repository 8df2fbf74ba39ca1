// A real SMTP server in the test process: every message that arrives, parsed by mailparser.
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Received {
  to: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface TestSmtp {
  port: number;
  url: string;
  received: Received[];
  /** Resolves with the first message (already arrived or arriving) matching `match`. */
  waitFor(match: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Stops listening: connections are refused until `start`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts a plain SMTP server on a free port (no TLS, no auth). */
export async function startSmtp(): Promise<TestSmtp> {
  const received: Received[] = [];
  let server: SMTPServer | null = null;
  let port = 0;
  const listen = async () => {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", async () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const parsed = await simpleParser(raw);
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          received.push({
            to: to?.value[0]?.address ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.server.address() as AddressInfo).port;
    server = s;
  };
  await listen();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    async waitFor(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = received.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(
        `no matching mail within ${timeoutMs} ms; received: ${received.map((m) => `${m.to} ${m.subject}`).join(", ")}`,
      );
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start: listen,
  };
}

/** The token in a link's fragment (`…/account#NAME=TOKEN`) found in `text`. */
export function linkToken(text: string, name: "reset" | "verify"): string {
  const match = text.match(/https?:\/\/\S+/);
  if (!match) throw new Error("no link in the message");
  const url = new URL(match[0]);
  const token = new URLSearchParams(url.hash.slice(1)).get(name);
  if (!token) throw new Error(`the link has no #${name}= token: ${url.pathname}`);
  return token;
}
