/**
 * Keys whose code-point order a language's collation, a case-folding sort or UTF-16 order would
 * each change: what an export's file order (by code point) is tested with.
 */
export const keysOrderedByCodePointOnly: readonly string[] = [
  "B",
  "a",
  "é",
  "z",
  "Z",
  "Ω",
  "😀",
  "ß",
  "-x",
  "_x",
  "10",
  "9",
  "\uE000",
  "\uFFFD",
];
