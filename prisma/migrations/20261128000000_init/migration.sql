-- CreateEnum
CREATE TYPE "House" AS ENUM ('GRYFFINDOR', 'HUFFLEPUFF', 'RAVENCLAW', 'SLYTHERIN');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('STUDENT', 'PROFESSOR');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'STUDENT',
    "house" "House",
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userAgent" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Student" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "house" "House" NOT NULL,
    "year" INTEGER NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Student_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HousePoints" (
    "house" "House" NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "HousePoints_pkey" PRIMARY KEY ("house")
);

-- CreateTable
CREATE TABLE "PointAward" (
    "id" BIGSERIAL NOT NULL,
    "house" "House" NOT NULL,
    "points" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "awardedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PointAward_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Student_email_key" ON "Student"("email");

-- CreateIndex
CREATE INDEX "Student_house_name_id_idx" ON "Student"("house", "name", "id");

-- CreateIndex
CREATE INDEX "PointAward_house_createdAt_idx" ON "PointAward"("house", "createdAt");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PointAward" ADD CONSTRAINT "PointAward_awardedById_fkey" FOREIGN KEY ("awardedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Constraints that the Prisma schema language cannot express.
ALTER TABLE "Student" ADD CONSTRAINT "Student_year_check" CHECK ("year" BETWEEN 1 AND 7);
ALTER TABLE "PointAward" ADD CONSTRAINT "PointAward_points_check" CHECK ("points" <> 0 AND "points" BETWEEN -100 AND 100);
ALTER TABLE "PointAward" ADD CONSTRAINT "PointAward_reason_check" CHECK (char_length("reason") BETWEEN 1 AND 200);

-- The four houses exist from the start, and awards only ever increment these rows.
INSERT INTO "HousePoints" ("house", "points") VALUES ('GRYFFINDOR', 0), ('HUFFLEPUFF', 0), ('RAVENCLAW', 0), ('SLYTHERIN', 0);
