/** The Postgres schema every edd table lives in unless configured otherwise. */
export const defaultSchema = "edd";

/** Where the embedded database (PGlite) persists by default, relative to the working directory (gitignored). */
export const defaultDataDir = ".edd-data";

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Table names are the one thing SQL cannot take as parameters, so the schema name is checked
 * against a strict pattern before it is ever placed in a statement.
 */
export function checkSchemaName(schema: string): string {
  if (!schemaPattern.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lower-case letters, digits and _, starting with a letter or _.`);
  }
  return schema;
}

export interface Tables {
  readonly schema: string;
  readonly events: string;
  readonly snapshots: string;
  readonly requestLog: string;
  readonly responses: string;
  readonly outbox: string;
  readonly identities: string;
  readonly deadLetters: string;
  readonly migrations: string;
}

/** Schema-qualified, quoted table names to place in SQL text. */
export function tablesIn(schema: string): Tables {
  const name = checkSchemaName(schema);
  const table = (table: string) => `"${name}"."${table}"`;
  return {
    schema: `"${name}"`,
    events: table("events"),
    snapshots: table("snapshots"),
    requestLog: table("request_log"),
    responses: table("responses"),
    outbox: table("outbox"),
    identities: table("identities"),
    deadLetters: table("dead_letters"),
    migrations: table("migrations"),
  };
}
