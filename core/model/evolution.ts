import type { z } from "zod";

/**
 * Turns the data of one version of an event type into the next version's. It receives data as it
 * was stored, unchecked: annotate the parameter with the old shape, or parse it with the old schema.
 * (Declared as a method so an annotated parameter is accepted; nothing here needs `any`.)
 */
export type Upcaster = { upcast(data: never): unknown }["upcast"];

/** Upcasters by the version they read: `{ 1: (v1) => v2, 2: (v2) => v3 }`. */
export type Upcasters = Readonly<Record<number, Upcaster>>;

/** The schemas of older versions, by version: `{ 1: z.object({ cents: z.number() }) }`. */
export type PreviousSchemas = Readonly<Record<number, z.ZodType>>;

/** Upcasters whose input is typed by the older version's schema where one is given, annotated by hand elsewhere. */
export type UpcastersFor<P extends PreviousSchemas> = { readonly [K in keyof P]?: (data: z.output<P[K]>) => unknown } & Upcasters;

/** How an event type changed over time: the last argument of `ServiceBuilder.event`. */
export interface EventEvolution<P extends PreviousSchemas = Record<never, never>> {
  /** The version new events are written with (default 1). Raise it when the schema changes shape. */
  readonly version?: number;
  /**
   * Schemas of older versions (optional, any of them): data of such a version is checked against
   * its schema before its upcaster runs, and the upcaster's input is typed by it.
   */
  readonly previous?: P;
  /** One upcaster for every older version, each to the version after it. */
  readonly upcast?: UpcastersFor<NoInfer<P>>;
  /** Names this type was stored under before it was renamed. */
  readonly aliases?: readonly string[];
}

/** Refuses, at declaration, an evolution that could not read every older event. */
export function checkEvolution(
  service: string,
  declared: Readonly<Record<string, { readonly aliases?: readonly string[] | undefined }>>,
  type: string,
  evolution: EventEvolution<PreviousSchemas>,
): void {
  const where = `${service} event ${type}`;
  const version = evolution.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`${where}: version must be a whole number from 1, got ${version}`);
  const upcast = evolution.upcast ?? {};
  for (const key of Object.keys(upcast)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new Error(`${where}: upcaster ${key} reads no older version (the current version is ${version})`);
    }
    if (typeof upcast[from] !== "function") throw new Error(`${where}: upcaster ${key} is not a function`);
  }
  for (const [key, schema] of Object.entries(evolution.previous ?? {})) {
    const of = Number(key);
    if (!Number.isSafeInteger(of) || of < 1 || of >= version) {
      throw new Error(`${where}: previous schema ${key} is of no older version (the current version is ${version})`);
    }
    if (typeof (schema as { safeParse?: unknown } | undefined)?.safeParse !== "function") {
      throw new Error(`${where}: previous schema ${key} is not a zod schema`);
    }
  }
  for (let from = 1; from < version; from++) {
    if (!Object.hasOwn(upcast, from)) throw new Error(`${where}: no upcaster from version ${from} to ${from + 1}`);
  }
  const taken = new Map<string, string>();
  for (const [name, definition] of Object.entries(declared)) {
    taken.set(name, `event ${name}`);
    for (const alias of definition.aliases ?? []) taken.set(alias, `an alias of ${name}`);
  }
  const typeOwner = taken.get(type);
  if (typeOwner !== undefined && typeOwner !== `event ${type}`) throw new Error(`${where}: ${type} is already ${typeOwner}`);
  const seen = new Set<string>([type]);
  for (const alias of evolution.aliases ?? []) {
    if (typeof alias !== "string" || alias === "") throw new Error(`${where}: an alias must be a non-empty name`);
    if (seen.has(alias)) throw new Error(`${where}: alias ${alias} is given twice or is the type's own name`);
    const owner = taken.get(alias);
    if (owner !== undefined) throw new Error(`${where}: alias ${alias} is already ${owner}`);
    seen.add(alias);
  }
}
