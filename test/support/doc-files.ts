// Test-only: reads the files and requests a doc page shows, as marked by HTML comments.
import { readFileSync } from "node:fs";

export interface DocFile {
  readonly path: string;
  readonly language: string;
  readonly content: string;
}

export interface DocRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body?: string;
  /** A JSON block right after the request's body: what the answer must contain. */
  readonly answer?: unknown;
}

const root = new URL("../../", import.meta.url);

export function readDoc(page: string): string {
  return readFileSync(new URL(page, root), "utf8");
}

/** Every fenced block preceded by `<!-- file: PATH -->`. */
export function docFiles(markdown: string): DocFile[] {
  return [...markdown.matchAll(/<!-- file: (\S+) -->\s*```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    path: match[1] as string,
    language: match[2] as string,
    content: match[3] as string,
  }));
}

/** Every `<!-- request: METHOD PATH STATUS -->`, with the JSON body and documented answer that follow it. */
export function docRequests(markdown: string): DocRequest[] {
  const pattern = /<!-- request: (\w+) (\S+) (\d{3}) -->\s*(?:```json\n([\s\S]*?)^```$\s*(?:```json\n([\s\S]*?)^```$)?)?/gm;
  return [...markdown.matchAll(pattern)].map((match) => ({
    method: match[1] as string,
    path: match[2] as string,
    status: Number(match[3]),
    ...(match[4] === undefined ? {} : { body: match[4] }),
    ...(match[5] === undefined ? {} : { answer: JSON.parse(match[5]) as unknown }),
  }));
}

/** Whether `actual` has every field of `expected` (objects compared key by key, arrays whole). */
export function contains(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null) return Object.is(actual, expected);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => contains(actual[i], item));
  }
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([key, value]) => contains((actual as Record<string, unknown>)[key], value));
}
