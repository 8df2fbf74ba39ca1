// One process at a time on the embedded database: a lock file holding the owner's pid.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/** Another live process holds the embedded database. */
export class DatabaseInUseError extends Error {
  override name = "DatabaseInUseError";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<dir>/.lock` for this process, reclaiming it from a process that died.
 * Returns the release function. Throws DatabaseInUseError while another process lives.
 */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        rmSync(file, { force: true });
      };
      process.on("exit", release); // also on process.exit() from a command-line script
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number.parseInt(readFileSync(file, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new DatabaseInUseError(
          `The embedded database in ${dir} is in use by process ${owner} (is \`npm start\` running?). ` +
            "Stop that process first, or set DATABASE_URL to use a PostgreSQL server that several processes can share.",
        );
      }
      rmSync(file, { force: true }); // left by a process that no longer runs
    }
  }
  throw new DatabaseInUseError(`Could not take the lock ${file}; remove it if no server is running.`);
}
