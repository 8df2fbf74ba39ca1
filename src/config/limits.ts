// Request limits: the body's size and the shape of a GraphQL document.
import { type Env, int } from "./parse.js";

export interface LimitsConfig {
  limits: {
    /** Largest request body, bytes. Default 100000. */
    maxBodyBytes: number;
    /** Default 10 (introspection under `__schema` is bounded by graphql-js itself). */
    maxDepth: number;
    /** Default 15. */
    maxAliases: number;
    /** Default 50. */
    maxDirectives: number;
    /** Default 1000. */
    maxTokens: number;
    /** graphql-armor's cost estimate (`first` literals multiply: a page of 100 students costs about 3800). Default 5000. */
    maxCost: number;
  };
}

/** `MAX_BODY_BYTES` and the `QUERY_MAX_*` variables. */
export function limitsConfig(env: Env): LimitsConfig {
  return {
    limits: {
      maxBodyBytes: int(env, "MAX_BODY_BYTES", 100_000, 1_000, 100_000_000),
      maxDepth: int(env, "QUERY_MAX_DEPTH", 10, 1, 1000),
      maxAliases: int(env, "QUERY_MAX_ALIASES", 15, 0, 10_000),
      maxDirectives: int(env, "QUERY_MAX_DIRECTIVES", 50, 0, 10_000),
      maxTokens: int(env, "QUERY_MAX_TOKENS", 1000, 100, 1_000_000),
      maxCost: int(env, "QUERY_MAX_COST", 5000, 50, 100_000_000),
    },
  };
}
