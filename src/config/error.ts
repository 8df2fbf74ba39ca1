// The error every configuration mistake throws: its message is the one line the process prints.

/** A configuration mistake: the message names the variable and says what to set. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
