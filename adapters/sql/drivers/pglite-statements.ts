import type { PGlite } from "@electric-sql/pglite";
import { pglite } from "./pglite-sdk.js";

type BackendMessage = { readonly name: string };
type DatabaseError = Error & { code?: string; query?: string; params?: readonly unknown[] };

/** What one prepared statement needs at each run: its name, its parameters' types and its columns. */
interface Prepared {
  readonly name: string;
  readonly paramTypes: readonly number[];
  readonly columns: readonly { readonly name: string; readonly dataTypeID: number }[];
  /** Runs left before it is prepared again. */
  runsLeft: number;
}

/** What one run returned: its rows, and the command tag (COMMIT answers "ROLLBACK" when the transaction had failed). */
export interface Ran<Row> {
  readonly rows: Row[];
  readonly command: string | undefined;
}

/** Prepared statements kept at most; the least recently used one is closed past it. */
const defaultCapacity = 500;

/** Names prepared statements across instances: two on one database never take the same name. */
let preparedNames = 0;

/**
 * Runs of one prepared statement before it is prepared afresh. Postgres keeps a generic plan
 * until something invalidates it, and on a server autovacuum's ANALYZE does as tables grow;
 * PGlite runs no autovacuum, so a plan chosen while a table was small would otherwise stay for
 * good. Preparing again (a parse and five planned runs in a thousand) lets plans follow the data.
 */
const defaultRunsPerPreparation = 1000;

/**
 * Runs statements on one PGlite instance as named prepared statements. PGlite's own `query`
 * parses, analyses, plans and describes every statement on each call, in six calls into the
 * WebAssembly Postgres; here a text is parsed and described once, and each run is one Bind +
 * Execute + Sync exchange, whose plan Postgres may keep (a generic plan after five runs).
 *
 * Each exchange is synchronous (PGlite's `execProtocolRawSync`), so two runs can never interleave
 * on the connection; the caller still keeps statements outside a transaction from running inside it.
 */
export class PgliteStatements {
  readonly #db: PGlite;
  readonly #capacity: number;
  readonly #runsPerPreparation: number;
  /** By text, least recently used first. */
  readonly #prepared = new Map<string, Prepared>();
  #parser = new pglite.protocol.Parser();

  constructor(db: PGlite, options: { readonly capacity?: number; readonly runsPerPreparation?: number } = {}) {
    this.#db = db;
    this.#capacity = options.capacity ?? defaultCapacity;
    this.#runsPerPreparation = options.runsPerPreparation ?? defaultRunsPerPreparation;
  }

  /** Runs `text` with `params`; a statement whose cached plan went stale (its columns changed) is prepared again. */
  run<Row>(text: string, params: readonly unknown[] = [], retryStale = true): Ran<Row> {
    const prepared = this.#prepare(text, params);
    try {
      return this.#execute<Row>(prepared, text, params);
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      // A schema change altered the statement's columns: drop it; outside a transaction, run it once more.
      this.#forget(text);
      if (!retryStale) throw error;
      return this.run<Row>(text, params, false);
    }
  }

  #prepare(text: string, params: readonly unknown[]): Prepared {
    const { serialize } = pglite.protocol;
    const known = this.#prepared.get(text);
    if (known !== undefined) this.#prepared.delete(text);
    if (known !== undefined && known.runsLeft > 0) {
      known.runsLeft--;
      this.#prepared.set(text, known);
      return known;
    }
    // Closed in the same exchange that prepares the text again (or another text in the place of the oldest).
    const closed =
      known !== undefined
        ? [serialize.close({ type: "S", name: known.name })]
        : this.#prepared.size >= this.#capacity
          ? this.#evictOldest()
          : [];
    const name = `edd_${++preparedNames}`;
    const messages = this.#exchange(
      [...closed, serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()],
      text,
      params,
    );
    const described = messages.find((m) => m.name === "parameterDescription") as { dataTypeIDs: number[] } | undefined;
    const row = messages.find((m) => m.name === "rowDescription") as { fields: { name: string; dataTypeID: number }[] } | undefined;
    const prepared: Prepared = {
      name,
      paramTypes: described?.dataTypeIDs ?? [],
      columns: (row?.fields ?? []).map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
      runsLeft: this.#runsPerPreparation - 1,
    };
    this.#prepared.set(text, prepared);
    return prepared;
  }

  #execute<Row>(prepared: Prepared, text: string, params: readonly unknown[]): Ran<Row> {
    const { serialize } = pglite.protocol;
    const db = this.#db;
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = db.serializers[prepared.paramTypes[i] ?? 0];
      return serializer === undefined ? String(param) : (serializer(param) as string);
    });
    const messages = this.#exchange(
      [serialize.bind({ statement: prepared.name, values }), serialize.execute(), serialize.sync()],
      text,
      params,
    );
    const { parseType } = pglite.types;
    const columns = prepared.columns;
    const rows: Row[] = [];
    let command: string | undefined;
    for (const message of messages) {
      if (message.name === "dataRow") {
        const fields = (message as unknown as { fields: (string | null)[] }).fields;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) {
          const column = columns[i] as Prepared["columns"][number];
          row[column.name] = parseType(fields[i] ?? null, column.dataTypeID, db.parsers);
        }
        rows.push(row as Row);
      } else if (message.name === "commandComplete") {
        command = (message as unknown as { text: string }).text.split(" ")[0];
      }
    }
    return { rows, command };
  }

  /** Sends the messages as one exchange; throws the first error Postgres answered (it skips to the Sync after one). */
  #exchange(parts: readonly Uint8Array[], text: string, params: readonly unknown[]): BackendMessage[] {
    const answer = this.#db.execProtocolRawSync(Buffer.concat(parts));
    const messages: BackendMessage[] = [];
    try {
      this.#parser.parse(answer, (message: BackendMessage) => messages.push(message));
    } catch (error) {
      this.#parser = new pglite.protocol.Parser();
      throw error;
    }
    const failed = messages.find((m): m is DatabaseError & BackendMessage => m.name === "error");
    if (failed !== undefined) {
      // As PGlite's own query does: the statement and its parameters travel with the error.
      failed.query = text;
      failed.params = params;
      throw failed;
    }
    return messages;
  }

  #evictOldest(): Uint8Array[] {
    const [oldest] = this.#prepared;
    if (oldest === undefined) return [];
    this.#prepared.delete(oldest[0]);
    return [pglite.protocol.serialize.close({ type: "S", name: oldest[1].name })];
  }

  #forget(text: string): void {
    const prepared = this.#prepared.get(text);
    if (prepared === undefined) return;
    this.#prepared.delete(text);
    const { serialize } = pglite.protocol;
    this.#exchange([serialize.close({ type: "S", name: prepared.name }), serialize.sync()], text, []);
  }
}

/** Postgres refuses to run a prepared statement whose result columns changed since it was prepared. */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as DatabaseError;
  return code === "0A000" && typeof message === "string" && message.includes("cached plan must not change result type");
}
