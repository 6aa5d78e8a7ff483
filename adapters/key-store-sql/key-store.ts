import { randomUUID } from "node:crypto";
import type { SqlExecutor } from "../sql/client.js";
import { checkSchemaName } from "../sql/schema.js";
import { type FieldCipher, type KeyStore, type KeyWrapper, SubjectForgottenError, type SubjectKey } from "../../core/ports/key-store.js";
import { TtlCache } from "./cache.js";

export interface SqlKeyStoreOptions {
  /** The Postgres schema of the `subject_keys` table (default edd). */
  readonly schema?: string;
  readonly wrapper: KeyWrapper;
  readonly cipher: FieldCipher;
  /**
   * How long an unwrapped key is reused without asking the table (default 30 s). A forget run in
   * another process takes effect here within this time; a forget run through this store, at once.
   */
  readonly cacheMs?: number;
}

interface KeyRow {
  readonly key_id: string;
  readonly wrapped: string | null;
}

/**
 * Subject keys in a SQL table (PostgreSQL or PGlite), each wrapped by the wrapper's key (the
 * master key from EDD_MASTER_KEY, or a cloud KMS). Forgetting a subject overwrites its wrapped key
 * with NULL and keeps the row as a tombstone, so the subject is never keyed again.
 */
export class SqlKeyStore implements KeyStore {
  readonly #db: SqlExecutor;
  readonly #wrapper: KeyWrapper;
  readonly #cipher: FieldCipher;
  readonly #table: string;
  readonly #bySubject: TtlCache<SubjectKey | "forgotten">;
  readonly #byId: TtlCache<Uint8Array>;

  constructor(db: SqlExecutor, options: SqlKeyStoreOptions) {
    this.#db = db;
    this.#wrapper = options.wrapper;
    this.#cipher = options.cipher;
    this.#table = `"${checkSchemaName(options.schema ?? "edd")}"."subject_keys"`;
    this.#bySubject = new TtlCache(options.cacheMs ?? 30_000);
    this.#byId = new TtlCache(options.cacheMs ?? 30_000);
  }

  async keyFor(realm: string, subject: string): Promise<SubjectKey> {
    const cached = this.#bySubject.get(subjectKey(realm, subject)) ?? (await this.#loadSubject(realm, subject));
    if (cached === "forgotten") throw new SubjectForgottenError(realm, subject);
    return cached;
  }

  async findKey(realm: string, keyId: string): Promise<Uint8Array | undefined> {
    const cached = this.#byId.get(subjectKey(realm, keyId));
    if (cached !== undefined) return cached;
    const [row] = await this.#db.query<KeyRow & { subject: string }>(
      `SELECT key_id, wrapped, subject FROM ${this.#table} WHERE realm = $1 AND key_id = $2`,
      [realm, keyId],
    );
    if (row === undefined || row.wrapped === null) return undefined;
    const material = await this.#unwrap(realm, row.subject, row);
    this.#byId.set(subjectKey(realm, keyId), material);
    return material;
  }

  async isForgotten(realm: string, subject: string): Promise<boolean> {
    const cached = this.#bySubject.get(subjectKey(realm, subject));
    if (cached !== undefined) return cached === "forgotten";
    const [row] = await this.#db.query<KeyRow>(`SELECT key_id, wrapped FROM ${this.#table} WHERE realm = $1 AND subject = $2`, [
      realm,
      subject,
    ]);
    return row !== undefined && row.wrapped === null;
  }

  async forget(realm: string, subject: string): Promise<{ readonly destroyed: number }> {
    const destroyed = await this.#db.query<{ key_id: string }>(
      `UPDATE ${this.#table} SET wrapped = NULL, forgotten_at = now() WHERE realm = $1 AND subject = $2 AND wrapped IS NOT NULL
        RETURNING key_id`,
      [realm, subject],
    );
    // A subject never keyed gets its tombstone too: no key is ever made for it later.
    await this.#db.query(
      `INSERT INTO ${this.#table} (realm, subject, key_id, wrapped, wrapped_by, forgotten_at) VALUES ($1, $2, $3, NULL, $4, now())
        ON CONFLICT (realm, subject) DO NOTHING`,
      [realm, subject, randomUUID(), this.#wrapper.name],
    );
    this.#bySubject.set(subjectKey(realm, subject), "forgotten");
    for (const row of destroyed) this.#byId.delete(subjectKey(realm, row.key_id));
    return { destroyed: destroyed.length };
  }

  async close(): Promise<void> {}

  async #loadSubject(realm: string, subject: string): Promise<SubjectKey | "forgotten"> {
    const select = `SELECT key_id, wrapped FROM ${this.#table} WHERE realm = $1 AND subject = $2`;
    let [row] = await this.#db.query<KeyRow>(select, [realm, subject]);
    if (row === undefined) {
      const id = randomUUID();
      const wrapped = await this.#wrapper.wrap(this.#cipher.newKey(), wrapContext(realm, subject, id));
      await this.#db.query(
        `INSERT INTO ${this.#table} (realm, subject, key_id, wrapped, wrapped_by) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (realm, subject) DO NOTHING`,
        [realm, subject, id, Buffer.from(wrapped).toString("base64"), this.#wrapper.name],
      );
      // Whoever inserted first, every process now uses the one stored key.
      [row] = await this.#db.query<KeyRow>(select, [realm, subject]);
    }
    if (row === undefined) throw new Error(`the key of subject ${subject} could neither be stored nor read`);
    const result: SubjectKey | "forgotten" =
      row.wrapped === null ? "forgotten" : { id: row.key_id, material: await this.#unwrap(realm, subject, row) };
    this.#bySubject.set(subjectKey(realm, subject), result);
    return result;
  }

  #unwrap(realm: string, subject: string, row: KeyRow): Promise<Uint8Array> {
    return this.#wrapper.unwrap(new Uint8Array(Buffer.from(row.wrapped as string, "base64")), wrapContext(realm, subject, row.key_id));
  }
}

const subjectKey = (realm: string, name: string) => `${realm}\u0000${name}`;
const wrapContext = (realm: string, subject: string, keyId: string) => `edd subject key\u0000${realm}\u0000${subject}\u0000${keyId}`;
