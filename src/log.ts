// The process logger: JSON lines (pino), pretty in development; secrets redacted.
import cluster from "node:cluster";
import pino, { type Logger } from "pino";
import type { Config } from "./config/index.js";

export type { Logger } from "pino";

/** Paths that must never reach a log line, whatever logs them. */
const REDACT = [
  "password",
  "currentPassword",
  "newPassword",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "cookie",
  "*.cookie",
  "headers.cookie",
  "headers['set-cookie']",
  "secret",
  "*.secret",
  "sessionSecret",
  "*.sessionSecret",
];

export function createLogger(
  config: Pick<Config, "logLevel" | "nodeEnv">,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACT, censor: "[redacted]" },
    // Workers of `npm run start:cluster` say which one wrote the line.
    base: cluster.isWorker ? { worker: cluster.worker?.id, pid: process.pid } : undefined,
  };
  if (!destination && config.nodeEnv === "development" && process.stdout.isTTY) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return destination ? pino(options, destination) : pino(options);
}
