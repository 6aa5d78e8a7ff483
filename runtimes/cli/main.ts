import { parseArgs } from "node:util";
import { runMigrate } from "./migrate.js";

const usage = `usage: edd <command> [options]

commands:
  migrate   apply pending store migrations
            --database-url <url>  PostgreSQL (default: $DATABASE_URL; unset: embedded PGlite)
            --data-dir <dir>      PGlite folder (default: $EDD_DATA_DIR or .edd-data)
            --schema <name>       schema holding the tables (default: $EDD_SCHEMA or edd)`;

/** `edd <command>`: operator commands. Exits non-zero with a message on failure. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "migrate") {
    const { values } = parseArgs({
      args: [...rest],
      options: { "database-url": { type: "string" }, "data-dir": { type: "string" }, schema: { type: "string" } },
    });
    const databaseUrl = values["database-url"] ?? (process.env.DATABASE_URL || undefined);
    const dataDir = values["data-dir"] ?? (process.env.EDD_DATA_DIR || undefined);
    const schema = values.schema ?? (process.env.EDD_SCHEMA || undefined);
    const report = await runMigrate({
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(schema === undefined ? {} : { schema }),
    });
    const applied = report.applied.length === 0 ? "nothing to apply" : `applied ${report.applied.join(", ")}`;
    console.log(`${report.target}, schema ${report.schema}: ${applied}; at version ${report.current}`);
    return 0;
  }
  console.error(command === undefined || command === "help" || command === "--help" ? usage : `unknown command "${command}"\n\n${usage}`);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`edd: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
