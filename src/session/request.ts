// Session policy for one request: what a cookie means, lifetimes, renewal, rotation; Set-Cookie out.
import type { Config } from "../config/index.js";
import type { Authenticated, PendingWrite, SessionRow, SessionStore } from "../db/sessions.js";
import type { CurrentUser } from "../db/users.js";
import { parseUuid } from "../db/uuid.js";
import { type CookieCodec, isPayload, type PendingPayload, type SessionPayload } from "./cookie.js";
import { type AuthState, PENDING_SIGN_IN_TTL } from "./step-up.js";

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
  secondFactor: boolean;
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
  /** Set-Cookie headers of other cookies this request sets (the WebAuthn challenge cookie). */
  readonly extra: string[] = [];
  private loaded: Promise<Active | null> | undefined;
  /** The settled value of `loaded`, for synchronous scope checks. */
  private current: Active | null = null;
  /** A pending sign-in the cookie carries (never a session). */
  private pendingPayload: PendingPayload | null = null;
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

  /**
   * When and how this session was last fully authenticated, once the session has been
   * loaded (before execution); null when anonymous.
   */
  authState(): AuthState | null {
    const active = this.current;
    if (!active) return null;
    const { authenticatedAt, methods } = active.record;
    return { authenticatedAt, methods, secondFactor: active.secondFactor };
  }

  /** The pending sign-in this request's cookie carries, if any, within its lifetime. */
  async getPending(): Promise<PendingPayload | null> {
    await this.active();
    return this.pendingPayload;
  }

  private active(): Promise<Active | null> {
    this.loaded ??= this.resolve().then((active) => {
      this.current = active;
      return active;
    });
    return this.loaded;
  }

  private settle(active: Active | null): void {
    this.current = active;
    this.loaded = Promise.resolve(active);
  }

  private async resolve(): Promise<Active | null> {
    if (!this.cookieValue) return null;
    const opened = await this.deps.codec.unsealAny(this.cookieValue);
    if (!opened) return this.reject();
    if (!isPayload(opened)) {
      // Not a session; a pending sign-in leaves the request anonymous but keeps its cookie.
      if (this.deps.now() - opened.iat >= PENDING_SIGN_IN_TTL) return this.reject();
      this.pendingPayload = opened;
      return null;
    }
    const payload = opened;
    const sid = parseUuid(payload.sid);
    if (!sid) return this.reject();
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
    const { user, secondFactor, ...session } = record;
    return { payload, record: session, user, secondFactor };
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

  /**
   * Signs `user` in on a brand-new session row and cookie (no fixation), authenticated now
   * by `methods` (RFC 8176 values).
   */
  async start(user: CurrentUser, methods: string[], secondFactor: boolean): Promise<void> {
    await this.endPrevious();
    const now = this.deps.now();
    const record = await this.deps.store.create(user.id, this.userAgent, now, methods);
    const payload: SessionPayload = { v: 1, sid: record.id, uid: user.id, iat: now, rat: now };
    await this.issue(payload);
    this.pendingPayload = null;
    this.settle({ payload, record, user, secondFactor });
  }

  /**
   * Replaces the cookie with a pending sign-in for `userId` (row `pendingId`): at most
   * PENDING_SIGN_IN_TTL seconds, and anonymous for every signed-in field.
   */
  async startPending(userId: string, pendingId: string): Promise<void> {
    await this.endPrevious();
    const now = this.deps.now();
    const payload: PendingPayload = { v: 1, k: "pending", pid: pendingId, uid: userId, iat: now };
    const value = await this.deps.codec.seal(payload, PENDING_SIGN_IN_TTL);
    this.own.length = 0;
    this.own.push(this.deps.codec.serialize(value, PENDING_SIGN_IN_TTL));
    this.pendingPayload = payload;
    this.settle(null);
  }

  /** Signing in over an existing session replaces it rather than leaving it alive. */
  private async endPrevious(): Promise<void> {
    const previous = this.cookieValue ? await this.active() : null;
    if (previous) await this.deps.store.end(previous.record.id, previous.record.userId);
  }

  /**
   * Records a re-authentication by `methods` (at `since`, default now): the session gets a
   * new id and cookie (the old cookie stops working) and stays one entry in the user's list.
   * False when anonymous.
   */
  async reauthenticate(methods: string[], since?: Date): Promise<boolean> {
    const active = await this.active();
    if (!active) return false;
    const now = this.deps.now();
    const authenticated = { authenticatedAt: since ?? new Date(now * 1000), methods };
    const record = await this.deps.store.reauthenticate(active.record.id, active.record.userId, authenticated);
    if (!record) return false;
    const payload: SessionPayload = { ...active.payload, sid: record.id, rat: now };
    await this.issue(payload);
    this.settle({ ...active, payload, record, secondFactor: active.secondFactor || methods.includes("mfa") });
    return true;
  }

  /** Ends this session on the server and expires the cookie. Idempotent. */
  async end(): Promise<void> {
    const active = await this.active();
    if (active) await this.deps.store.end(active.record.id, active.record.userId);
    this.own.length = 0;
    if (this.cookieValue !== null || active) this.own.push(this.deps.codec.expire());
    this.pendingPayload = null;
    this.settle(null);
  }

  /**
   * After a re-authentication (password change): moves this session to a new id, ends
   * every other session of the user, runs `alsoRun` in the same transaction, and seals a
   * new cookie. The cookie sent with this request stops working. False when anonymous.
   */
  async rotate(alsoRun: PendingWrite, authenticated?: Authenticated): Promise<boolean> {
    const active = await this.active();
    if (!active) return false;
    const record = await this.deps.store.rotate(active.record.id, active.record.userId, alsoRun, authenticated);
    if (!record) return false;
    const payload: SessionPayload = { ...active.payload, sid: record.id, rat: this.deps.now() };
    await this.issue(payload);
    this.settle({ ...active, payload, record });
    return true;
  }

  /** The session clock: seconds since the epoch. */
  now(): number {
    return this.deps.now();
  }
}
