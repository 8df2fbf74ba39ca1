// Demo data: the four houses' students and, outside production, three demo accounts.
import { hashPassword } from "../auth/password.js";
import type { House } from "../generated/prisma/enums.js";
import type { PrismaClient } from "./client.js";

const STUDENTS: Record<House, [string, number][]> = {
  GRYFFINDOR: [
    ["Harry Potter", 5],
    ["Hermione Granger", 5],
    ["Ron Weasley", 5],
    ["Neville Longbottom", 5],
    ["Ginny Weasley", 4],
    ["Fred Weasley", 7],
    ["George Weasley", 7],
    ["Dean Thomas", 5],
    ["Seamus Finnigan", 5],
    ["Lavender Brown", 5],
    ["Parvati Patil", 5],
    ["Colin Creevey", 4],
  ],
  HUFFLEPUFF: [
    ["Cedric Diggory", 6],
    ["Hannah Abbott", 5],
    ["Ernie Macmillan", 5],
    ["Justin Finch-Fletchley", 5],
    ["Susan Bones", 5],
    ["Zacharias Smith", 5],
    ["Leanne", 6],
    ["Megan Jones", 5],
    ["Wayne Hopkins", 5],
    ["Eleanor Branstone", 3],
    ["Owen Cauldwell", 3],
  ],
  RAVENCLAW: [
    ["Luna Lovegood", 4],
    ["Cho Chang", 6],
    ["Padma Patil", 5],
    ["Terry Boot", 5],
    ["Michael Corner", 5],
    ["Anthony Goldstein", 5],
    ["Marietta Edgecombe", 6],
    ["Marcus Belby", 6],
    ["Roger Davies", 7],
    ["Penelope Clearwater", 7],
    ["Stewart Ackerley", 3],
  ],
  SLYTHERIN: [
    ["Draco Malfoy", 5],
    ["Pansy Parkinson", 5],
    ["Vincent Crabbe", 5],
    ["Gregory Goyle", 5],
    ["Blaise Zabini", 5],
    ["Theodore Nott", 5],
    ["Millicent Bulstrode", 5],
    ["Daphne Greengrass", 5],
    ["Marcus Flint", 7],
    ["Graham Montague", 6],
    ["Adrian Pucey", 7],
  ],
};

/** Development accounts; their passwords are in the README. Never created in production. */
export const DEMO_ACCOUNTS = [
  {
    username: "harry",
    displayName: "Harry Potter",
    password: "lumos-maxima-1991",
    email: "harry@hogwarts.test",
    role: "STUDENT",
    house: "GRYFFINDOR",
  },
  {
    username: "luna",
    displayName: "Luna Lovegood",
    password: "nargles-and-wrackspurts",
    email: "luna@hogwarts.test",
    role: "STUDENT",
    house: "RAVENCLAW",
  },
  {
    username: "mcgonagall",
    displayName: "Minerva McGonagall",
    password: "transfiguration-today",
    email: "mcgonagall@hogwarts.test",
    role: "PROFESSOR",
    house: null,
  },
] as const;

function email(name: string): string {
  return `${name
    .toLowerCase()
    .replace(/[^a-z]+/g, ".")
    .replace(/^\.|\.$/g, "")}@hogwarts.example`;
}

/**
 * Loads the students and, with `demo`, the demo accounts. Idempotent: existing rows are
 * left as they are (a demo password changed by its user stays changed).
 */
export async function seed(prisma: PrismaClient, { demo }: { demo: boolean }): Promise<void> {
  await prisma.student.createMany({
    data: Object.entries(STUDENTS).flatMap(([house, list]) =>
      list.map(([name, year]) => ({ name, year, house: house as House, email: email(name) })),
    ),
    skipDuplicates: true,
  });
  if (!demo) return;
  for (const account of DEMO_ACCOUNTS) {
    const exists = await prisma.user.findUnique({ where: { username: account.username }, select: { id: true } });
    if (exists) continue;
    const { password, email, ...rest } = account;
    // The demo addresses count as verified, so that reset links work in development at once.
    const address = { email, emailKey: email, emailVerifiedAt: new Date() };
    await prisma.user.upsert({
      where: { username: account.username },
      create: { ...rest, ...address, passwordHash: await hashPassword(password) },
      update: {},
    });
  }
}
