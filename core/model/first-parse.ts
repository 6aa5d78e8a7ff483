import type { z } from "zod";

/** Schemas parsed at least once in this process (weakly held: a schema that goes away is forgotten). */
const parsedBefore = new WeakSet<object>();

/**
 * `schema.safeParse(input)`, with zod's interpreter on a schema's first parse and its compiled
 * parser afterwards. zod compiles an object schema's parser (`new Function`) on its first parse;
 * a cold start that answers one command would pay that compile for every object schema it
 * parses once. The per-call `jitless` option gives the same result without it and leaves zod's
 * global config (the application's) alone.
 */
export function safeParseFirstJitless<T extends z.ZodType>(schema: T, input: unknown): z.ZodSafeParseResult<z.output<T>> {
  if (parsedBefore.has(schema)) return schema.safeParse(input);
  parsedBefore.add(schema);
  return schema.safeParse(input, { jitless: true });
}
