// What the bench sends: its accounts, the queries, and what each answer must contain.

/** Bench accounts `bench-0` … `bench-9`: Gryffindor students sharing one password. */
export const BENCH_USERS = 10;
export const BENCH_PASSWORD = "bench-password-not-secret";
/** The professor who awards points in the fan-out scenario (same password). */
export const BENCH_PROFESSOR = "bench-professor";
/** Extra Gryffindors so that `first: 25` returns a full page (the seed has 12). */
export const EXTRA_STUDENTS = 30;

/** The extra Gryffindors, as rows for `student.createMany`. */
export function extraStudents() {
  return Array.from({ length: EXTRA_STUDENTS }, (_, i) => ({
    name: `Bench Student ${String(i).padStart(2, "0")}`,
    house: "GRYFFINDOR" as const,
    year: 1 + (i % 7),
    email: `bench.student.${i}@hogwarts.example`,
  }));
}

const body = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });

export const STUDENTS = body(
  "query Students { students(house: GRYFFINDOR, first: 25) { totalCount edges { node { name year email } } } }",
);
export const HOUSES = body("query Houses { houses { house points } }");
export const LOGIN = (i: number) =>
  body("mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { username } }", {
    u: `bench-${i % BENCH_USERS}`,
    p: BENCH_PASSWORD,
  });
export const PROFESSOR_LOGIN = body(
  "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { username } }",
  { u: BENCH_PROFESSOR, p: BENCH_PASSWORD },
);
/** What each fan-out subscriber asks for: every Gryffindor award, without the professor-only field. */
export const FANOUT_SUBSCRIPTION =
  "subscription Fanout { pointsAwarded(house: GRYFFINDOR) { id house points reason createdAt houseTotal } }";
