import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, sourceFiles } from "./support/import-graph.js";

/**
 * Every table is created and changed by the versioned migration sets (`edd migrate`, and the SQL
 * open path running the same sets): no DDL anywhere else in the framework's or the examples' source.
 * SQL in this repository is written in upper case, so English prose ("create tables") never matches.
 */
const migrationModules = new Set([
  "adapters/sql/migrations.ts",
  "adapters/sql/component-migrations.ts",
  "adapters/sql/migration-runner.ts",
]);
const ddl =
  /\b(?:CREATE(?:\s+UNIQUE)?\s+(?:TABLE|INDEX|SCHEMA|SEQUENCE|FUNCTION|TRIGGER|VIEW|TYPE|EXTENSION)|ALTER\s+(?:TABLE|INDEX|SEQUENCE|SCHEMA)|DROP\s+(?:TABLE|INDEX|SCHEMA|SEQUENCE|FUNCTION|TRIGGER|VIEW))\b/g;

/** Each DDL statement's keywords in `text`, with its line. */
function ddlIn(text: string): { readonly line: number; readonly statement: string }[] {
  return [...text.matchAll(ddl)].map((match) => ({
    line: text.slice(0, match.index).split("\n").length,
    statement: match[0].replace(/\s+/g, " "),
  }));
}

describe("DDL lives only in the migration modules", () => {
  it("spots each form, and not prose", () => {
    const text =
      'await db.query(`CREATE TABLE IF NOT EXISTS x (a int)`);\n// tables we create tables for\nq(`ALTER  TABLE x ADD b int`); q("CREATE UNIQUE INDEX i ON x (a)")';
    expect(ddlIn(text)).toEqual([
      { line: 1, statement: "CREATE TABLE" },
      { line: 3, statement: "ALTER TABLE" },
      { line: 3, statement: "CREATE UNIQUE INDEX" },
    ]);
  });

  it("holds for every source file", () => {
    const files = ["core", "adapters", "runtimes", "client", "contracts", "examples"].flatMap((root) => sourceFiles(join(repoRoot, root)));
    const found = files.flatMap((file) => {
      const path = relative(repoRoot, file);
      if (migrationModules.has(path)) return [];
      return ddlIn(readFileSync(file, "utf8")).map(({ line, statement }) => `${path}:${line}: ${statement}`);
    });
    expect(found).toEqual([]);
  });
});
