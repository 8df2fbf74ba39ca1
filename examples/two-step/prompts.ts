// What the Apollo link and the urql exchange share: the app's prompts and the two documents they send.
// Browser-safe (only `graphql`), so an app can copy this folder as it is.
import { type DocumentNode, type FieldNode, Kind, type OperationDefinitionNode, parse, print } from "graphql";

/** The second factors `login` lists in `extensions.methods` of SECOND_FACTOR_REQUIRED. */
export type SecondFactor = "TOTP" | "RECOVERY_CODE" | "PASSKEY";

/**
 * The second step of a sign-in: a code (TOTP or recovery code), or a passkey assertion
 * (`credential.toJSON()` of `navigator.credentials.get`, answering `passkeyLoginOptions`).
 */
export type SecondStepAnswer = { code: string } | { passkey: unknown };

/**
 * A renewed sign-in: the password, with a code when the account has an authenticator app;
 * or a passkey assertion alone.
 */
export type StepUpAnswer = { password: string; code?: string } | { passkey: unknown };

/** What the app asks its user; null means the user cancelled, and the original error stands. */
export interface TwoStepPrompts {
  /** `login` accepted the password and wants one of `methods`. */
  secondFactor(methods: SecondFactor[]): Promise<SecondStepAnswer | null>;
  /** A change needs a recent sign-in (REAUTHENTICATION_REQUIRED). */
  reauthenticate(): Promise<StepUpAnswer | null>;
}

export const SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED";
export const REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED";

export const REAUTHENTICATE: DocumentNode =
  parse(`mutation Reauthenticate($password: String, $code: String, $passkey: JSON) {
  reauthenticate(password: $password, code: $code, passkey: $passkey)
}`);

/**
 * The second step for a sign-in document: `verifySecondFactor` selecting what `login`
 * selected, under the same response key, so its result answers the original `login` call
 * exactly as a one-step sign-in would have. Null when the document has no `login` mutation.
 */
export function secondStepDocument(signIn: DocumentNode): DocumentNode | null {
  const operation = signIn.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operation?.operation !== "mutation") return null;
  const login = operation.selectionSet.selections.find(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === "login",
  );
  if (!login?.selectionSet) return null;
  const fragments = signIn.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => print(d));
  const key = login.alias?.value ?? "login";
  return parse(`mutation SecondStep($code: String, $passkey: JSON) {
  ${key}: verifySecondFactor(code: $code, passkey: $passkey) ${print(login.selectionSet)}
}
${fragments.join("\n")}`);
}
