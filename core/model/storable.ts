/**
 * What every store can hold. PostgreSQL text and jsonb refuse U+0000; UTF-8 (PostgreSQL,
 * DynamoDB, OpenSearch) cannot encode a lone surrogate; serialisers and parsers recurse, so deep
 * nesting is a stack overflow waiting for the first JSON.stringify. One check, run on every input
 * before it is logged or stored, keeps all of that out.
 */

/** Deepest nesting of objects and arrays accepted anywhere in an input (the input itself is level 1). */
export const maxNestingDepth = 64;

/** Where an input breaks the rules, and why. */
export interface StorableProblem {
  readonly path: string;
  readonly message: string;
}

// With the u flag a well-formed pair is one code point, so only lone surrogates match \p{Cs}.
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this looks for.
const unstorableCharacter = /\u0000|\p{Cs}/u;
const unstorableCharacters = new RegExp(unstorableCharacter.source, "gu");

/** Why a string cannot be stored, or undefined when every store can hold it. */
export function textProblem(text: string): string | undefined {
  const found = unstorableCharacter.exec(text);
  if (found === null) return undefined;
  return found[0] === "\u0000" ? "contains U+0000 (NUL), which stores cannot hold" : "contains a lone UTF-16 surrogate, which is not text";
}

/** The string with every character stores cannot hold replaced by U+FFFD: for paths and messages that echo input. */
export function storableText(text: string): string {
  return text.replace(unstorableCharacters, "\ufffd");
}

/**
 * The first value of `input` that no store can hold: a string (value or object key) with NUL or
 * a lone surrogate, a number JSON cannot write, or nesting deeper than `maxDepth`. Iterative, so
 * it never overflows on the inputs it exists to refuse. Paths are dotted, like zod issue paths.
 */
export function findUnstorable(input: unknown, root = "", maxDepth = maxNestingDepth): StorableProblem | undefined {
  const stack: Frame[] = [{ value: input, key: root, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value, depth } = frame;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem !== undefined) return { path: pathOf(frame), message: problem };
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) return { path: pathOf(frame), message: "is not a finite number" };
    } else if (typeof value === "object" && value !== null) {
      if (depth > maxDepth) return { path: pathOf(frame), message: `is nested deeper than ${maxDepth} levels` };
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: frame, depth: depth + 1 });
      } else {
        const keys = Object.keys(value);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string;
          const child: Frame = { value: (value as Record<string, unknown>)[key], key, parent: frame, depth: depth + 1 };
          const keyProblem = textProblem(key);
          if (keyProblem !== undefined) return { path: pathOf(child), message: `has a key that ${keyProblem}` };
          stack.push(child);
        }
      }
    }
  }
  return undefined;
}

/** A value being checked; paths are built from parent links only when a problem is found. */
interface Frame {
  readonly value: unknown;
  readonly key: string;
  readonly parent?: Frame;
  readonly depth: number;
}

function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let at: Frame | undefined = frame; at !== undefined; at = at.parent) if (at.parent !== undefined || at.key !== "") keys.push(at.key);
  return storableText(keys.reverse().join("."));
}

/**
 * A form of `message` every store can hold, for dead letters of messages refused for their
 * content: the message itself when it is fine, else a marked, cleaned copy of its text.
 */
export function storableMessage(message: unknown): unknown {
  const problem = findUnstorable(message);
  if (problem === undefined) return message;
  const unstorable = `${problem.path || "message"} ${problem.message}`;
  if (typeof message === "string") return { unstorable, text: storableText(message) };
  try {
    return { unstorable, text: storableText(JSON.stringify(message)) };
  } catch {
    // Too deep even to write out: keep the reason only.
    return { unstorable };
  }
}
