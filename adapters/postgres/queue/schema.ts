/** Schema names are spliced into SQL, so only plain identifiers pass. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _.`);
  return `"${schema}"`;
}
