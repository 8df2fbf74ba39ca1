// The composition root: configuration -> database -> stores and queries -> Yoga server.
import { HashQueue } from "./auth/hash-queue.js";
import { createSecretBox } from "./auth/secret-box.js";
import { LoginThrottle } from "./auth/throttle.js";
import { createMemoryStore } from "./auth/throttle-memory.js";
import { createRedisStore } from "./auth/throttle-redis.js";
import type { Config } from "./config/index.js";
import { type Database, openDatabase, ping } from "./db/client.js";
import { createEmailTokens } from "./db/email-tokens.js";
import { createOutbox } from "./db/outbox.js";
import { createPasskeyStore } from "./db/passkeys.js";
import { createPointQueries } from "./db/points.js";
import { prepareDatabase } from "./db/prepare.js";
import { assertReachable } from "./db/reachable.js";
import { createSecondFactorStore } from "./db/second-factors.js";
import { createSecurityEvents } from "./db/security-events.js";
import { createSessionStore } from "./db/sessions.js";
import { createStudentQueries } from "./db/students.js";
import { createUserQueries, type UserQueries } from "./db/users.js";
import { createYogaServer, type YogaServer } from "./http/yoga.js";
import { createLiveHub, type LiveHub } from "./live/hub.js";
import { createLivePubSub } from "./live/pubsub.js";
import { announceSessionEnds } from "./live/session-events.js";
import { announceUserChanges } from "./live/user-events.js";
import { createLogger, type Logger } from "./log.js";
import { createMailer } from "./mail/mailer.js";
import { createMailTransport } from "./mail/transport.js";
import { assertRedisCluster } from "./redis.js";
import { createChallengeCookie } from "./session/challenge-cookie.js";
import { createCookieCodec } from "./session/cookie.js";
import { resolveSecrets } from "./session/secrets.js";

/** The running application: the Yoga server, its database and logger, and how to close them. */
export interface Application {
  yoga: YogaServer;
  db: Database;
  /** The configuration it was built from. */
  config: Config;
  /** Open subscriptions of this instance. */
  live: LiveHub;
  /** The user queries; a role or house change through them ends that user's streams everywhere. */
  users: UserQueries;
  log: Logger;
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Default: a logger built from the configuration. */
  log?: Logger;
  /** Seconds since the epoch; tests pass a clock they can move. Default: the system clock. */
  now?: () => number;
  /** Called with the SQL of every query. */
  onQuery?: (sql: string) => void;
  /** How often the mail worker looks for messages queued by other instances, ms. Default 2000. */
  mailPollMs?: number;
  /** In-memory PGlite only: the data-directory image to start from (tests). */
  image?: Blob;
}

/**
 * Opens the database, migrates and seeds when configured to, and builds the Yoga server.
 * Throws ConfigError for configuration mistakes (a Redis Cluster node that does not answer
 * among them) before touching the database.
 */
export async function buildApplication(config: Config, options: BuildOptions = {}): Promise<Application> {
  const log = options.log ?? createLogger(config);
  const secrets = resolveSecrets(config, (message) => log.warn(message));
  if (config.redisUrls) await assertRedisCluster(config.redisUrls);
  const endpoint = config.databaseUrl ? await assertReachable(config.databaseUrl, config.dbTimeoutMs) : null;
  const db = await openDatabase(config, {
    onQuery: options.onQuery,
    pooler: endpoint?.pooler,
    image: options.image,
  });
  try {
    await prepareDatabase(db, config, log);
  } catch (e) {
    await db.close();
    throw e;
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const throttle = new LoginThrottle(
    config.redisUrls
      ? createRedisStore(config.redisUrls, config.throttle.redisPrefix, log)
      : createMemoryStore(now, config.throttle.maxKeys),
    config.throttle,
  );
  const pubsub = createLivePubSub(config.redisUrls, `${config.throttle.redisPrefix}live:`, log);
  const store = announceSessionEnds(createSessionStore(db.prisma, db.sql, config.session), pubsub);
  const users = announceUserChanges(createUserQueries(db.prisma), pubsub);
  const live = createLiveHub({ pubsub, store, limits: config.live, session: config.session, now, log });
  const mail = createMailer({
    config,
    outbox: createOutbox(db.prisma),
    tokens: createEmailTokens(db.prisma),
    transport: createMailTransport(config, log),
    log,
    now,
    pollMs: options.mailPollMs,
  });
  const yoga = createYogaServer({
    config,
    log,
    users,
    students: createStudentQueries(db.prisma, db.sql),
    points: createPointQueries(db.prisma, db.sql),
    store,
    live,
    codec: createCookieCodec(config.cookie, secrets),
    limits: config.session,
    now,
    throttle,
    factors: createSecondFactorStore(db.prisma),
    totpBox: createSecretBox(secrets, "totp-secret"),
    events: createSecurityEvents(db.prisma),
    passkeys: createPasskeyStore(db.prisma),
    challengeCookie: createChallengeCookie(config.cookie),
    mail,
    hashes: new HashQueue(
      {
        slots: config.hashing.slots,
        maxWaitMs: config.hashing.maxWaitMs,
        maxQueue: config.hashing.maxQueue,
        perOwner: config.hashing.perUser,
      },
      log,
    ),
    ping: () => ping(db),
  });
  return {
    yoga,
    db,
    config,
    live,
    users,
    log,
    close: async () => {
      await live.close();
      await pubsub.close();
      await mail.stop();
      await throttle.close();
      await db.close();
    },
  };
}
