// Row ids are UUIDs: the one check every id from outside (cookies, global ids, cursors) passes.

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The UUID in `value` in the lower-case form the database returns, or null when `value` is
 * not a UUID. Either case is accepted, as PostgreSQL accepts it.
 */
export function parseUuid(value: string): string | null {
  const lower = value.toLowerCase();
  return CANONICAL.test(lower) ? lower : null;
}
