// The example client operations: each .graphql document here, parsed and typed for clients.
import { readFileSync } from "node:fs";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";

export type House = "GRYFFINDOR" | "HUFFLEPUFF" | "RAVENCLAW" | "SLYTHERIN";
export type Role = "STUDENT" | "PROFESSOR";

export interface Viewer {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  house: House | null;
}

export interface LoginResult {
  login: Viewer;
}
export interface LoginVariables {
  username: string;
  password: string;
}
export interface LogoutResult {
  logout: boolean;
}
export interface MeResult {
  me: Viewer | null;
}
export interface StudentsResult {
  students: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; name: string; year: number; house: House } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
export interface MySessionsResult {
  mySessions: { id: string; current: boolean; userAgent: string | null; authenticatedAt: string; methods: string[] }[];
}
export interface RevokeSessionResult {
  revokeSession: boolean;
}
export interface LogoutEverywhereResult {
  logoutEverywhere: boolean;
}
export interface StudentsVariables {
  house: House;
  first?: number | null;
  after?: string | null;
}

/** The names of the documents in this folder (`<Name>.graphql`, one operation each). */
export const OPERATION_NAMES = [
  "Login",
  "Logout",
  "LogoutEverywhere",
  "Me",
  "MySessions",
  "RevokeSession",
  "Students",
] as const;

/** The text of `<name>.graphql`. */
export function operationSource(name: (typeof OPERATION_NAMES)[number]): string {
  return readFileSync(new URL(`./${name}.graphql`, import.meta.url), "utf8");
}

function load<Result, Variables>(name: (typeof OPERATION_NAMES)[number]): TypedDocumentNode<Result, Variables> {
  return parse(operationSource(name)) as TypedDocumentNode<Result, Variables>;
}

export const LoginDocument = load<LoginResult, LoginVariables>("Login");
export const LogoutDocument = load<LogoutResult, Record<string, never>>("Logout");
export const MeDocument = load<MeResult, Record<string, never>>("Me");
export const StudentsDocument = load<StudentsResult, StudentsVariables>("Students");
export const MySessionsDocument = load<MySessionsResult, Record<string, never>>("MySessions");
export const RevokeSessionDocument = load<RevokeSessionResult, { id: string }>("RevokeSession");
export const LogoutEverywhereDocument = load<LogoutEverywhereResult, Record<string, never>>("LogoutEverywhere");
