import type { MiddlewareHandler } from "hono";

// With the u flag a well-formed pair is one code point, so only lone surrogates match \p{Cs}.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for.
const unstorable = /\u0000|\p{Cs}/u;
const int8Max = 9_223_372_036_854_775_807n;

/** Query parameters that are cursors: request-log ids and event positions, bigints in the SQL store. */
const cursorParams = ["before", "eventsBefore"];
/** Query parameters that are event sequences: positive integers (versions stay far below 2^53). */
const sequenceParams = ["at"];

/**
 * Parameters every page hands to the store are checked once, here: text a database cannot hold
 * (NUL, lone surrogates) and cursors past int8 are the operator's typo, answered 400, not a 500.
 */
export function storableParams(refuse: (message: string) => Response): MiddlewareHandler {
  return async (c, next) => {
    if (unstorable.test(decodedPath(c.req.path)))
      return refuse("The address contains characters no store can hold (NUL or a lone surrogate).");
    for (const [name, values] of Object.entries(c.req.queries())) {
      for (const value of values) {
        if (unstorable.test(name) || unstorable.test(value)) {
          return refuse(`Parameter ${JSON.stringify(name.replace(unstorable, "?"))} contains characters no store can hold.`);
        }
        if (cursorParams.includes(name) && value.trim() !== "" && !isInt8Cursor(value.trim())) {
          return refuse(`Parameter "${name}" must be a ${name === "before" ? "request" : "position"} number from 1 to ${int8Max}.`);
        }
        if (sequenceParams.includes(name) && value.trim() !== "" && !/^[1-9]\d{0,14}$/.test(value.trim())) {
          return refuse(`Parameter "${name}" must be an event sequence, a whole number from 1.`);
        }
      }
    }
    await next();
  };
}

function isInt8Cursor(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= int8Max;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // not decodable: the router matches it as raw text, which stores can hold
  }
}
