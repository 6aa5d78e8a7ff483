import * as z from "zod";

/** Where a personal value sits in a JSON document: member names, `*` for every item of an array. */
export type FieldPath = readonly string[];

const found = new WeakMap<z.ZodType, readonly FieldPath[]>();

/** True when a schema is declared personal data: `z.email().meta({ personal: true })`. */
export function isPersonal(schema: z.ZodType): boolean {
  return (schema.meta() as { personal?: unknown } | undefined)?.personal === true;
}

/**
 * The paths of every value a schema declares personal, through objects, arrays and the wrappers
 * that keep the stored shape (optional, nullable, default, readonly). A personal object or array
 * is one value: it is sealed whole.
 */
export function personalPaths(schema: z.ZodType): readonly FieldPath[] {
  const cached = found.get(schema);
  if (cached !== undefined) return cached;
  const paths: FieldPath[] = [];
  collect(schema, [], paths, 0);
  found.set(schema, paths);
  return paths;
}

function collect(schema: z.ZodType, at: FieldPath, paths: FieldPath[], depth: number): void {
  // Recursive schemas (z.lazy) are not walked: personal data is declared on plain shapes.
  if (depth > 32) return;
  if (isPersonal(schema)) {
    paths.push(at);
    return;
  }
  if (schema instanceof z.ZodObject) {
    for (const [key, member] of Object.entries(schema.shape as Record<string, z.ZodType>)) collect(member, [...at, key], paths, depth + 1);
  } else if (schema instanceof z.ZodArray) {
    collect(schema.element as z.ZodType, [...at, "*"], paths, depth + 1);
  } else if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodReadonly
  ) {
    collect(schema.unwrap() as z.ZodType, at, paths, depth + 1);
  }
}

/**
 * A copy of `value` with every value at `paths` replaced by `replace` (absent ones stay absent).
 * Values off the declared shape are left alone: the schema check elsewhere reports them.
 */
export async function replaceAt(
  value: unknown,
  paths: readonly FieldPath[],
  replace: (leaf: unknown) => Promise<unknown>,
): Promise<unknown> {
  let result = value;
  for (const path of paths) result = await replaceOne(result, path, 0, replace);
  return result;
}

async function replaceOne(value: unknown, path: FieldPath, index: number, replace: (leaf: unknown) => Promise<unknown>): Promise<unknown> {
  if (index === path.length) return value === undefined ? undefined : replace(value);
  const step = path[index] as string;
  if (step === "*") {
    if (!Array.isArray(value)) return value;
    return Promise.all(value.map((item) => replaceOne(item, path, index + 1, replace)));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return value;
  const record = value as Record<string, unknown>;
  return { ...record, [step]: await replaceOne(record[step], path, index + 1, replace) };
}

/** `replaceAt` for a value known at once: a copy with every value at `paths` replaced by `marker`. */
export function markAt(value: unknown, paths: readonly FieldPath[], marker: unknown): unknown {
  let result = value;
  for (const path of paths) result = markOne(result, path, 0, marker);
  return result;
}

function markOne(value: unknown, path: FieldPath, index: number, marker: unknown): unknown {
  if (index === path.length) return value === undefined ? undefined : marker;
  const step = path[index] as string;
  if (step === "*") return Array.isArray(value) ? value.map((item) => markOne(item, path, index + 1, marker)) : value;
  if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return value;
  const record = value as Record<string, unknown>;
  return { ...record, [step]: markOne(record[step], path, index + 1, marker) };
}
