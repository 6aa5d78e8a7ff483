import type { SqlClient } from "./client.js";

/**
 * The rows of one query, `pageSize` at a time, through a server-side cursor in a transaction held
 * while the caller iterates: the database orders them once and Node holds a page or two, however
 * many there are. Keyset pages would each have to find their place again, and a planner without
 * statistics (a realm just imported) reads the rest of the realm for each. Leaving the loop early
 * ends the transaction.
 */
export async function* cursorRows<Row>(
  db: SqlClient,
  text: string,
  params: readonly unknown[],
  pageSize = defaultPageRows,
): AsyncGenerator<Row> {
  const pages = new PageHandoff<Row[]>();
  const cursor = cursorName(text);
  const reading = db.transaction(async (tx) => {
    await tx.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`, params);
    for (;;) {
      const rows = await tx.query<Row>(`FETCH FORWARD ${pageSize} FROM ${cursor}`);
      if (!(await pages.give(rows)) || rows.length < pageSize) return;
    }
  });
  reading.then(
    () => pages.end(),
    (error: unknown) => pages.fail(error),
  );
  try {
    for (;;) {
      const page = await pages.take();
      if (page === undefined) return;
      yield* page;
    }
  } finally {
    pages.stop();
    await reading.catch(() => undefined);
  }
}

/** Rows fetched at once unless the caller says: what an export's listing holds of a kind. */
const defaultPageRows = 1000;

/**
 * One cursor name per query: the drivers keep a prepared statement's columns by its text, so a FETCH
 * text shared by two queries would read one's rows with the other's columns.
 */
const cursorNames = new Map<string, string>();
function cursorName(text: string): string {
  const known = cursorNames.get(text);
  if (known !== undefined) return known;
  const name = `edd_rows_${cursorNames.size + 1}`;
  cursorNames.set(text, name);
  return name;
}

/**
 * Hands pages from the transaction that reads them to the loop that yields them. The reader fetches
 * the next page once the loop has taken the last one, so at most two are held.
 */
class PageHandoff<T> {
  readonly #pages: T[] = [];
  #wakeTaker: (() => void) | undefined;
  #resumeGiver: ((more: boolean) => void) | undefined;
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #stopped = false;

  /** Resolves true when the page was taken and more are wanted, false once the loop has stopped. */
  give(page: T): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    this.#pages.push(page);
    this.#wake();
    return new Promise((resolve) => {
      this.#resumeGiver = resolve;
    });
  }

  /** The next page, or undefined once the reader is done; throws what the reader threw. */
  async take(): Promise<T | undefined> {
    for (;;) {
      const page = this.#pages.shift();
      if (page !== undefined) {
        this.#resume(true);
        return page;
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        this.#wakeTaker = resolve;
      });
    }
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    this.#failure = { error };
    this.#wake();
  }

  stop(): void {
    this.#stopped = true;
    this.#resume(false);
  }

  #wake(): void {
    const wake = this.#wakeTaker;
    this.#wakeTaker = undefined;
    wake?.();
  }

  #resume(more: boolean): void {
    const resume = this.#resumeGiver;
    this.#resumeGiver = undefined;
    resume?.(more);
  }
}
