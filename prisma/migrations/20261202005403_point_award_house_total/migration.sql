-- AlterTable: each award records the house total right after it. Existing rows get the
-- current total less every later award of the same house (ledger order is id order).
ALTER TABLE "PointAward" ADD COLUMN     "houseTotal" INTEGER;

UPDATE "PointAward" a
SET "houseTotal" = hp."points" - COALESCE((
  SELECT SUM(b."points") FROM "PointAward" b WHERE b."house" = a."house" AND b."id" > a."id"
), 0)
FROM "HousePoints" hp
WHERE hp."house" = a."house";

UPDATE "PointAward" SET "houseTotal" = 0 WHERE "houseTotal" IS NULL;

ALTER TABLE "PointAward" ALTER COLUMN "houseTotal" SET NOT NULL;
