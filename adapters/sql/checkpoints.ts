import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import { quotedSchema, type ViewSqlClient } from "./view-store.js";

/** Checkpoints as rows; `advance` is a compare-and-set in one statement, so concurrent projectors never move it back. */
export class PostgresCheckpointStore implements CheckpointStore {
  readonly #client: ViewSqlClient;
  readonly #table: string;

  constructor(client: ViewSqlClient, options: { schema: string }) {
    this.#client = client;
    this.#table = `${quotedSchema(options.schema)}.projection_checkpoints`;
  }

  async load(realm: string, name: string): Promise<string | undefined> {
    const result = await this.#client.query(`SELECT checkpoint FROM ${this.#table} WHERE realm = $1 AND name = $2`, [realm, name]);
    const value = result.rows[0]?.checkpoint;
    return value === undefined ? undefined : String(value);
  }

  async advance(realm: string, name: string, expected: string | undefined, next: string): Promise<boolean> {
    const result =
      expected === undefined
        ? await this.#client.query(
            `INSERT INTO ${this.#table} (realm, name, checkpoint) VALUES ($1, $2, $3) ON CONFLICT (realm, name) DO NOTHING RETURNING name`,
            [realm, name, next],
          )
        : await this.#client.query(
            `UPDATE ${this.#table} SET checkpoint = $4, updated_at = now() WHERE realm = $1 AND name = $2 AND checkpoint = $3 RETURNING name`,
            [realm, name, expected, next],
          );
    return result.rows.length === 1;
  }

  async put(realm: string, name: string, value: string): Promise<void> {
    await this.#client.query(
      `INSERT INTO ${this.#table} (realm, name, checkpoint) VALUES ($1, $2, $3)
       ON CONFLICT (realm, name) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = now()`,
      [realm, name, value],
    );
  }

  async remove(realm: string, name: string): Promise<void> {
    await this.#client.query(`DELETE FROM ${this.#table} WHERE realm = $1 AND name = $2`, [realm, name]);
  }
}
