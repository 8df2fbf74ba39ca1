// Hides graphql-js's "Did you mean ...?" hints, which spell out the schema to a prober.
import type { Plugin } from "graphql-yoga";

const HINT = /\s*Did you mean [^?]*\?/g;

/**
 * Strips suggestions from every error message of every result. Kept over graphql-armor's
 * block-field-suggestions, which only sees validation errors and misses enum-value hints.
 */
export function useHideSuggestions(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: { message: string }[] }).errors;
        for (const error of errors ?? []) error.message = error.message.replace(HINT, "");
      }
    },
  };
}
