#!/bin/sh
# Stands in for Prisma's native schema engine where it could not be downloaded.
echo "Prisma's native schema engine is not installed here. Migrations run through the" >&2
echo "bundled WASM engine instead: use 'npm run db:migrate' (apply) or" >&2
echo "'npm run db:migration -- NAME' (create)." >&2
exit 1
