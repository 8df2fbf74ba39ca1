// Every request limit in one list of Yoga plugins: body size, document shape, suggestions.
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { NoSchemaIntrospectionCustomRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Config } from "../../config/index.js";
import { useBodyLimit } from "./body.js";
import { useParseErrors } from "./parse-errors.js";
import { SingleLoginRule } from "./single-login.js";
import { useHideSuggestions } from "./suggestions.js";

/**
 * Body cap, then graphql-armor's token (parse), depth, alias, directive and cost (validation)
 * limits, one `login` per document, no introspection unless enabled, and no field
 * suggestions in production.
 * `__schema` introspection is left to graphql-js's own MaxIntrospectionDepthRule, so GraphiQL's
 * introspection query passes at the default depth.
 */
export function useLimits(config: Pick<Config, "limits" | "nodeEnv" | "introspection">): Plugin[] {
  const { limits } = config;
  const plugins: Plugin[] = [
    useParseErrors(),
    useBodyLimit(limits.maxBodyBytes),
    maxTokensPlugin({ n: limits.maxTokens }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives }) as Plugin,
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(SingleLoginRule);
        // The schema is not a map handed to every caller in production (OWASP's GraphQL cheat sheet).
        if (!config.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    },
  ];
  if (config.nodeEnv === "production") plugins.push(useHideSuggestions());
  return plugins;
}
