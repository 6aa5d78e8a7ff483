import { EddError } from "../model/errors.js";
import type { Projection } from "../model/projection.js";
import { compareForSort } from "../model/view-match.js";
import { classifyFilter, maxPageSize, pageOf, selectFields, type ViewFilter, type ViewQuery, wordsOf } from "../model/view-query.js";
import type { ViewData, ViewDocument, ViewPage, ViewRecord, ViewSlot, ViewStore, ViewWrite } from "../ports/view-store.js";
import type { PersonalData } from "./personal-data.js";
import { type FieldPath, personalPaths, replaceAt } from "./personal-fields.js";
import { erasedMarker, indexHasher } from "./sealer.js";

/**
 * How a personal view field is stored: the value sealed with its subject's key, and keyed hashes
 * (a blind index) of the value and of its words, so `eq`, `in` and `match` still find it.
 */
interface SealedField {
  readonly edd_sealed: string;
  readonly edd_eq: readonly string[];
  readonly edd_words: readonly string[];
}

interface ViewDeclaration {
  readonly service: string;
  readonly paths: readonly FieldPath[];
  /** The dotted fields a query may not read plainly: each personal path up to its first `*`. */
  readonly fields: readonly string[];
  /** Those with a blind index a filter can reach (not inside arrays). */
  readonly searchable: ReadonlySet<string>;
}

/** The dotted field a personal path is filtered by: up to its first array step. */
function fieldOf(path: FieldPath): string {
  const end = path.indexOf("*");
  return path.slice(0, end === -1 ? path.length : end).join(".");
}

/**
 * A ViewStore that seals the personal fields of the documents it writes and opens them on the way
 * back (docs/privacy.md). Which fields: the projection's `document` schema marks them, else the
 * fields its service's events mark, at the same paths. A filter on a personal field works by
 * equality through the blind index (`eq`, `in`, `match`, `exists`); any other filter on it is
 * refused with `invalid-query`, naming the field. Sorting by one opens and sorts at most
 * `maxPageSize` matches, and refuses a wider filter.
 */
export class PrivateViewStore implements ViewStore {
  readonly #inner: ViewStore;
  readonly #personal: PersonalData;
  readonly #views = new Map<string, ViewDeclaration>();

  constructor(inner: ViewStore, personal: PersonalData, projections: readonly Projection<ViewData>[]) {
    this.#inner = inner;
    this.#personal = personal;
    for (const projection of projections) {
      const declaration = declarationOf(projection, personal);
      if (declaration !== undefined) this.#views.set(projection.view, declaration);
    }
  }

  /** The view store beneath, which holds the sealed form. */
  get inner(): ViewStore {
    return this.#inner;
  }

  async write(realm: string, view: string, writes: readonly ViewWrite[], slot?: ViewSlot): Promise<readonly string[]> {
    const declaration = this.#views.get(view);
    if (declaration === undefined) return this.#inner.write(realm, view, writes, slot);
    const hash = await indexHasher(this.#personal.sealer, realm);
    const sealed = await Promise.all(
      writes.map(async (write) => {
        const subject = this.#personal.subjectOf(declaration.service, write.id);
        if (write.data === null || subject === undefined) return write;
        let data: unknown = write.data;
        for (const path of declaration.paths) {
          const field = fieldOf(path);
          data = await replaceAt(data, [path], async (value) => {
            if (value === erasedMarker || isSealedField(value)) return value;
            const stored = await this.#personal.sealOrErase(realm, subject, value);
            return stored === erasedMarker
              ? stored
              : sealedField(stored as string, value, (text) => hash(indexText(view, declaration, field, text)));
          });
        }
        return { ...write, data: data as ViewData };
      }),
    );
    return this.#inner.write(realm, view, sealed, slot);
  }

  async read(realm: string, view: string, ids: readonly string[], slot?: ViewSlot): Promise<ReadonlyMap<string, ViewRecord>> {
    const records = await this.#inner.read(realm, view, ids, slot);
    if (!this.#views.has(view)) return records;
    const opened = await Promise.all(
      [...records].map(async ([id, record]) => [id, { ...record, data: await this.#open(realm, view, record.data) }] as const),
    );
    return new Map(opened);
  }

  async get(realm: string, view: string, id: string): Promise<ViewDocument | undefined> {
    const document = await this.#inner.get(realm, view, id);
    if (document === undefined || !this.#views.has(view)) return document;
    return { ...document, data: (await this.#open(realm, view, document.data)) as ViewData };
  }

  delete(realm: string, view: string, id: string, version: number): Promise<boolean> {
    return this.#inner.delete(realm, view, id, version);
  }

  async search(realm: string, view: string, query: ViewQuery): Promise<ViewPage> {
    const declaration = this.#views.get(view);
    if (declaration === undefined) return this.#inner.search(realm, view, query);
    const hash = await indexHasher(this.#personal.sealer, realm);
    const filter =
      query.filter === undefined
        ? undefined
        : blindFilter(query.filter, declaration, (field, text) => hash(indexText(view, declaration, field, text)));
    const personalSort = (query.sort ?? []).find((key) => personalFieldOf(declaration, key.field) !== undefined);
    if (personalSort === undefined) {
      const page = await this.#inner.search(realm, view, { ...query, ...(filter === undefined ? {} : { filter }) });
      return { ...page, items: await Promise.all(page.items.map((item) => this.#openDocument(realm, view, item))) };
    }
    // A sealed value has no order: open every match and sort here, for filters narrow enough to do so.
    const all = await this.#inner.search(realm, view, { ...(filter === undefined ? {} : { filter }), from: 0, size: maxPageSize });
    if (all.total > all.items.length) {
      throw refusal(
        personalSort.field,
        `sorting by the personal field ${personalSort.field} opens every match: narrow the filter to at most ${maxPageSize} documents`,
      );
    }
    const opened = await Promise.all(all.items.map((item) => this.#openDocument(realm, view, item)));
    const { from, size } = pageOf(query);
    const items = opened
      .sort(compareForSort(query.sort ?? []))
      .slice(from, from + size)
      .map((item) => ({ ...item, data: selectFields(item.data, query.select) }));
    return { total: all.total, items };
  }

  createShadow(realm: string, view: string): Promise<void> {
    return this.#inner.createShadow(realm, view);
  }

  hasShadow(realm: string, view: string): Promise<boolean> {
    return this.#inner.hasShadow(realm, view);
  }

  swapShadow(realm: string, view: string): Promise<void> {
    return this.#inner.swapShadow(realm, view);
  }

  dropShadow(realm: string, view: string): Promise<void> {
    return this.#inner.dropShadow(realm, view);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #openDocument(realm: string, view: string, document: ViewDocument): Promise<ViewDocument> {
    return { ...document, data: (await this.#open(realm, view, document.data)) as ViewData };
  }

  async #open(realm: string, view: string, data: ViewData | null): Promise<ViewData | null> {
    const declaration = this.#views.get(view);
    if (data === null || declaration === undefined) return data;
    const opened = await replaceAt(data, declaration.paths, (value) =>
      isSealedField(value) ? this.#personal.sealer.open(realm, value.edd_sealed) : Promise.resolve(value),
    );
    return opened as ViewData;
  }
}

/** The personal paths of a projection's documents, or undefined when it writes none. */
function declarationOf(projection: Projection<ViewData>, personal: PersonalData): ViewDeclaration | undefined {
  const service = projection.source ?? personal.services.get(projection.service);
  const schemas = projection.document !== undefined ? [projection.document] : Object.values(service?.events ?? {}).map((e) => e.schema);
  const unique = new Map<string, FieldPath>();
  for (const schema of schemas) for (const path of personalPaths(schema)) unique.set(path.join("."), path);
  const paths = [...unique.values()].filter((path) => path.length > 0);
  if (paths.length === 0) return undefined;
  if (personal.subjectOf(projection.service, "any") === undefined) {
    throw new Error(
      `projection ${projection.name} has personal fields but service ${projection.service} names no dataSubject (docs/privacy.md)`,
    );
  }
  return {
    service: projection.service,
    paths,
    fields: [...new Set(paths.map(fieldOf))],
    searchable: new Set(paths.filter((path) => !path.includes("*")).map(fieldOf)),
  };
}

function sealedField(sealed: string, value: unknown, hash: (text: string) => string): SealedField {
  const scalars = (Array.isArray(value) ? value : [value]).filter((item) => ["string", "number", "boolean"].includes(typeof item));
  const words = new Set(stringsIn(value).flatMap(wordsOf));
  return {
    edd_sealed: sealed,
    // Sorted, so the stored order says nothing of the order of the words.
    edd_eq: [...new Set(scalars.map((item) => hash(`eq\u0000${JSON.stringify(item)}`)))].sort(),
    edd_words: [...words].map((word) => hash(`word\u0000${word}`)).sort(),
  };
}

function isSealedField(value: unknown): value is SealedField {
  return typeof value === "object" && value !== null && typeof (value as { edd_sealed?: unknown }).edd_sealed === "string";
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Hashes of one view's field never match another's: the view and field are part of what is hashed. */
function indexText(view: string, declaration: ViewDeclaration, field: string, text: string): string {
  return `${view}\u0000${declaration.service}\u0000${field}\u0000${text}`;
}

/** The personal field a query's field is, or lies beneath. */
function personalFieldOf(declaration: ViewDeclaration, field: string): string | undefined {
  return declaration.fields.find((personal) => field === personal || field.startsWith(`${personal}.`));
}

/** The filter with each leaf on a personal field turned into a lookup of its blind index. */
function blindFilter(filter: ViewFilter, declaration: ViewDeclaration, hash: (field: string, text: string) => string): ViewFilter {
  const node = classifyFilter(filter);
  if (node.kind === "and") return { and: node.filters.map((child) => blindFilter(child, declaration, hash)) };
  if (node.kind === "or") return { or: node.filters.map((child) => blindFilter(child, declaration, hash)) };
  if (node.kind === "not") return { not: blindFilter(node.filter, declaration, hash) };
  const personal = personalFieldOf(declaration, node.field);
  if (personal === undefined) return filter;
  const keyed = (value: unknown) => hash(personal, `eq\u0000${JSON.stringify(value)}`);
  if (node.field === personal && (node.kind === "exists" || declaration.searchable.has(personal))) {
    switch (node.kind) {
      case "exists":
        return filter;
      case "eq":
        return { field: `${personal}.edd_eq`, eq: keyed(node.value) };
      case "in":
        return { field: `${personal}.edd_eq`, in: node.values.map(keyed) };
      case "match": {
        const words = wordsOf(node.text).map(
          (word): ViewFilter => ({
            field: `${personal}.edd_words`,
            eq: hash(personal, `word\u0000${word}`),
          }),
        );
        return words.length === 1 ? (words[0] as ViewFilter) : { and: words };
      }
    }
  }
  throw refusal(node.field, `${node.field} is personal data, sealed in the view: filter it only with eq, in, match or exists`);
}

function refusal(field: string, why: string): EddError {
  return new EddError("invalid-query", `The view query is invalid: ${why}.`, { field, personal: true });
}
