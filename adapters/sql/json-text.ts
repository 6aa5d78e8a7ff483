/**
 * JSON text for the `json` columns (migration 8). jsonb refused U+0000 and lone surrogates when a
 * row was written; json takes any escape, and the reads that cast to jsonb or use `->>` would then
 * fail on the row for good. JSON.stringify writes those two, and only those, as `\u0000` and
 * `\ud800`-`\udfff` escapes (a well-formed pair stays as its characters), so a look at the escapes
 * refuses the same values jsonb did, without parsing the text again.
 */
const unstorableEscape = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/;

/** `text` (written by JSON.stringify), or an error when it holds what jsonb would have refused. */
export function storableJson(text: string): string {
  // Most texts hold no escape at all: a plain search skips the pattern for them.
  if (text.includes("\\u") && unstorableEscape.test(text)) {
    throw new Error("JSON holding U+0000 or a lone surrogate cannot be stored (PostgreSQL text cannot hold it)");
  }
  return text;
}

/** `value` as the text of a json column, refused when jsonb would have refused it. */
export function jsonColumnText(value: unknown): string {
  return storableJson(JSON.stringify(value));
}
