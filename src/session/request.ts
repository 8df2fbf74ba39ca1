// Session policy for one request: what a cookie means, lifetimes, renewal, rotation; Set-Cookie out.
import type { Config } from "../config.js";
import type { PendingWrite, SessionRow, SessionStore } from "../db/sessions.js";
import type { CurrentUser } from "../db/users.js";
import { parseUuid } from "../db/uuid.js";
import type { CookieCodec, SessionPayload } from "./cookie.js";

export interface SessionDeps {
  codec: CookieCodec;
  store: SessionStore;
  limits: Config["session"];
  /** Seconds since the epoch; injectable so tests can move time. */
  now: () => number;
}

interface Active {
  payload: SessionPayload;
  record: SessionRow;
  user: CurrentUser;
}

/**
 * Reads the session cookie of one request. Nothing touches the database until
 * `getUser()` is called, and then only once. Knows nothing of GraphQL.
 */
export class RequestSession {
  /** How many cookies of the session's name the request carried; more than one is anonymous. */
  readonly cookieCount: number;
  /** The Set-Cookie header for the session cookie itself, if any. */
  private readonly own: string[] = [];
  /** Set-Cookie headers that expire shadowing copies on other paths. */
  private readonly shadows: string[] = [];
  private loaded: Promise<Active | null> | undefined;
  private readonly cookieValue: string | null;

  constructor(
    private readonly deps: SessionDeps,
    cookieHeader: string | null,
    private readonly userAgent: string | null,
  ) {
    const values = deps.codec.read(cookieHeader);
    this.cookieCount = values.length;
    // A second cookie of our name was planted (cookie tossing from a sibling subdomain, say):
    // which one is ours cannot be told, so neither is believed. Ours on Path=/ is left alone:
    // expiring it would leave the planted one alone in the header, signing the victim in as
    // whoever planted it.
    this.cookieValue = values.length === 1 ? values[0] : null;
    if (values.length > 1) this.shadows.push(...deps.codec.expireShadows());
  }

  /** Set-Cookie headers for the response. */
  get outgoing(): string[] {
    return [...this.own, ...this.shadows];
  }

  /** Whether the request carried one session cookie (valid or not); two or more count as none. */
  get hasCookie(): boolean {
    return this.cookieValue !== null;
  }

  /** The signed-in user, or null. Resolves the cookie and the database at most once. */
  async getUser(): Promise<CurrentUser | null> {
    return (await this.active())?.user ?? null;
  }

  /** The current session's id, or null when anonymous. */
  async getSessionId(): Promise<string | null> {
    return (await this.active())?.record.id ?? null;
  }

  private active(): Promise<Active | null> {
    this.loaded ??= this.resolve();
    return this.loaded;
  }

  private async resolve(): Promise<Active | null> {
    if (!this.cookieValue) return null;
    const payload = await this.deps.codec.unseal(this.cookieValue);
    const sid = payload && parseUuid(payload.sid);
    if (!payload || !sid) return this.reject();
    const { absoluteTimeout, idleTimeout, renewInterval } = this.deps.limits;
    const now = this.deps.now();
    if (now - payload.iat >= absoluteTimeout) return this.reject();
    const record = await this.deps.store.load(sid);
    if (!record || record.userId !== payload.uid) return this.reject();
    const created = Math.floor(record.createdAt.getTime() / 1000);
    const lastSeen = Math.floor(record.lastSeenAt.getTime() / 1000);
    if (now - created >= absoluteTimeout || now - lastSeen >= idleTimeout) {
      await this.deps.store.end(record.id, record.userId);
      return this.reject();
    }
    if (now - lastSeen >= renewInterval) {
      await this.deps.store.touch(record.id, new Date(now * 1000));
      await this.issue({ ...payload, rat: now });
    }
    const { user, ...session } = record;
    return { payload, record: session, user };
  }

  /** A cookie that does not open or no longer matches a live session: anonymous, and cleared. */
  private reject(): null {
    this.own.push(this.deps.codec.expire());
    return null;
  }

  private async issue(payload: SessionPayload): Promise<void> {
    const remaining = payload.iat + this.deps.limits.absoluteTimeout - this.deps.now();
    const value = await this.deps.codec.seal(payload, remaining);
    this.own.length = 0;
    this.own.push(this.deps.codec.serialize(value, remaining));
  }

  /** Signs `user` in on a brand-new session row and cookie (no fixation). */
  async start(user: CurrentUser): Promise<void> {
    // Signing in over an existing session replaces it rather than leaving it alive.
    const previous = this.cookieValue ? await this.active() : null;
    if (previous) await this.deps.store.end(previous.record.id, previous.record.userId);
    const now = this.deps.now();
    const record = await this.deps.store.create(user.id, this.userAgent, now);
    const payload: SessionPayload = { v: 1, sid: record.id, uid: user.id, iat: now, rat: now };
    await this.issue(payload);
    this.loaded = Promise.resolve({ payload, record, user });
  }

  /** Ends this session on the server and expires the cookie. Idempotent. */
  async end(): Promise<void> {
    const active = await this.active();
    if (active) await this.deps.store.end(active.record.id, active.record.userId);
    this.own.length = 0;
    if (this.cookieValue !== null || active) this.own.push(this.deps.codec.expire());
    this.loaded = Promise.resolve(null);
  }

  /**
   * After a re-authentication (password change): moves this session to a new id, ends
   * every other session of the user, runs `alsoRun` in the same transaction, and seals a
   * new cookie. The cookie sent with this request stops working. False when anonymous.
   */
  async rotate(alsoRun: PendingWrite): Promise<boolean> {
    const active = await this.active();
    if (!active) return false;
    const record = await this.deps.store.rotate(active.record.id, active.record.userId, alsoRun);
    if (!record) return false;
    const payload: SessionPayload = { ...active.payload, sid: record.id, rat: this.deps.now() };
    await this.issue(payload);
    this.loaded = Promise.resolve({ payload, record, user: active.user });
    return true;
  }

  /** The session clock: seconds since the epoch. */
  now(): number {
    return this.deps.now();
  }
}
