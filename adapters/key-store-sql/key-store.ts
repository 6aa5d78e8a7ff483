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
  /** How long an unwrapped key is kept in memory (default 30 s). */
  readonly cacheMs?: number;
  /**
   * How often a cached key is checked against the realm's forget generation, one point read shared
   * by concurrent reads (default 0: before every use of a cached key, so a forget run by another
   * process takes effect here at once). A larger value trades that bound for fewer reads.
   */
  readonly forgetCheckMs?: number;
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
  readonly #generations: string;
  readonly #forgetCheckMs: number;
  /** Per realm: the forget generation the caches hold, when it was read, and the read in flight. */
  readonly #seen = new Map<string, { generation: string; checkedAt: number; reading?: Promise<void> }>();

  constructor(db: SqlExecutor, options: SqlKeyStoreOptions) {
    this.#db = db;
    this.#wrapper = options.wrapper;
    this.#cipher = options.cipher;
    const schema = `"${checkSchemaName(options.schema ?? "edd")}"`;
    this.#table = `${schema}."subject_keys"`;
    this.#generations = `${schema}."subject_key_generations"`;
    this.#bySubject = new TtlCache(options.cacheMs ?? 30_000);
    this.#byId = new TtlCache(options.cacheMs ?? 30_000);
    this.#forgetCheckMs = options.forgetCheckMs ?? 0;
  }

  async keyFor(realm: string, subject: string): Promise<SubjectKey> {
    await this.#checkForgets(realm);
    const cached = this.#bySubject.get(subjectKey(realm, subject)) ?? (await this.#loadSubject(realm, subject));
    if (cached === "forgotten") throw new SubjectForgottenError(realm, subject);
    return cached;
  }

  async findKey(realm: string, keyId: string): Promise<Uint8Array | undefined> {
    await this.#checkForgets(realm);
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
    await this.#checkForgets(realm);
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
    // Every process holding the realm's keys sees this change on its next check, and drops them.
    await this.#db.query(
      `INSERT INTO ${this.#generations} (realm, generation) VALUES ($1, 1)
        ON CONFLICT (realm) DO UPDATE SET generation = ${this.#generations}.generation + 1`,
      [realm],
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
    // What this process seals with, it opens again without a read.
    if (result !== "forgotten") this.#byId.set(subjectKey(realm, result.id), result.material);
    return result;
  }

  /** Drops every cached key when a forget ran (anywhere) since the caches were filled; one read for concurrent callers. */
  async #checkForgets(realm: string): Promise<void> {
    const seen = this.#seen.get(realm);
    if (seen?.reading !== undefined) return seen.reading;
    if (seen !== undefined && this.#forgetCheckMs > 0 && Date.now() - seen.checkedAt < this.#forgetCheckMs) return;
    const reading = (async () => {
      const [row] = await this.#db.query<{ generation: string }>(
        `SELECT generation::text AS generation FROM ${this.#generations} WHERE realm = $1`,
        [realm],
      );
      const generation = row?.generation ?? "0";
      if (seen !== undefined && seen.generation !== generation) {
        this.#bySubject.clear();
        this.#byId.clear();
      }
      this.#seen.set(realm, { generation, checkedAt: Date.now() });
    })();
    this.#seen.set(realm, { generation: seen?.generation ?? "", checkedAt: seen?.checkedAt ?? 0, reading });
    try {
      await reading;
    } catch (error) {
      // A failed read proves nothing: the next use asks again.
      this.#seen.delete(realm);
      throw error;
    }
  }

  #unwrap(realm: string, subject: string, row: KeyRow): Promise<Uint8Array> {
    return this.#wrapper.unwrap(new Uint8Array(Buffer.from(row.wrapped as string, "base64")), wrapContext(realm, subject, row.key_id));
  }
}

const subjectKey = (realm: string, name: string) => `${realm}\u0000${name}`;
const wrapContext = (realm: string, subject: string, keyId: string) => `edd subject key\u0000${realm}\u0000${subject}\u0000${keyId}`;
