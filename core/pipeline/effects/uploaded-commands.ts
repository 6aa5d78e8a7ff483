import type { Logger } from "../../ports/logger.js";
import type { ObjectStore } from "../../ports/object-store.js";
import type { Engine } from "../engine.js";
import { dispatchQueuedCommand } from "./queue.js";

/** Where uploaded command files go, unless configured otherwise: `commands/<realm>/<any name>`. */
export const defaultCommandsPrefix = "commands/";

/** An object someone uploaded under the commands prefix: a command request, or JSON Lines of them. */
export interface UploadedCommands {
  /** The object's key (S3), blob name (Azure) or object name (Cloud Storage), decoded. */
  readonly key: string;
  readonly text: string;
  /** For dead letters, e.g. "s3:my-bucket". */
  readonly source: string;
  /** Default "commands/". */
  readonly prefix?: string;
  /** Resolves large-command references inside lines, as on a queue. */
  readonly objectStore?: ObjectStore;
  readonly logger?: Logger;
  /** How often the platform has delivered this object's event. */
  readonly attempt?: number;
}

export interface UploadProblem {
  /** 1-based line number in the object. */
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export type UploadReport =
  | { readonly outcome: "ignored"; readonly key: string; readonly reason: string }
  | {
      readonly outcome: "dispatched";
      readonly key: string;
      readonly realm: string;
      /** Command requests found (non-blank lines). */
      readonly requests: number;
      readonly done: number;
      /** Lines kept in the store's dead letters: bad JSON, invalid or rejected requests. */
      readonly deadLettered: number;
      /** Lines that failed transiently: the platform should deliver the object again. */
      readonly retry: number;
      readonly problems: readonly UploadProblem[];
    };

/** The realm an object's key names: `<prefix><realm>/<name>`; undefined when the key is not one of ours. */
export function realmFromKey(key: string, prefix = defaultCommandsPrefix): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return rest.slice(0, slash);
}

/**
 * Dispatches every command request of an uploaded object through the one queue dispatch, in the
 * realm its key names, as the trusted system (whoever may write under the prefix is trusted like a
 * queue publisher). Each request keeps its own request id, so a second delivery of the same object
 * applies nothing twice. A bad line is dead-lettered and reported with its line number; the other
 * lines still run, in file order.
 */
export async function dispatchUploadedCommands(engine: Engine, upload: UploadedCommands): Promise<UploadReport> {
  const prefix = upload.prefix ?? defaultCommandsPrefix;
  const realm = realmFromKey(upload.key, prefix);
  if (realm === undefined) {
    return { outcome: "ignored", key: upload.key, reason: `the key is not of the form ${prefix}<realm>/<name>` };
  }
  let done = 0;
  let deadLettered = 0;
  let retry = 0;
  const problems: UploadProblem[] = [];
  const requests = splitRequests(upload.text);
  for (const { line, text } of requests) {
    const outcome = await dispatchQueuedCommand(engine, {
      body: text,
      realm,
      source: upload.source,
      messageId: `${upload.key}#${line}`,
      attempt: upload.attempt ?? 1,
      ...(upload.objectStore === undefined ? {} : { objectStore: upload.objectStore }),
      ...(upload.logger === undefined ? {} : { logger: upload.logger }),
    });
    if (outcome.outcome === "done") done++;
    else if (outcome.outcome === "dead-lettered") deadLettered++;
    else retry++;
    if (outcome.outcome !== "done") problems.push({ line, ...codeAndMessage(outcome.reason) });
  }
  return { outcome: "dispatched", key: upload.key, realm, requests: requests.length, done, deadLettered, retry, problems };
}

/** One JSON document (possibly pretty-printed) is one request; anything else is read as JSON Lines. */
function splitRequests(text: string): { line: number; text: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") && isJson(trimmed)) return [{ line: 1 + leadingLines(text), text: trimmed }];
  return text
    .split("\n")
    .map((line, index) => ({ line: index + 1, text: line.trim() }))
    .filter((line) => line.text !== "");
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function leadingLines(text: string): number {
  return (/^\s*/.exec(text)?.[0] ?? "").split("\n").length - 1;
}

/** Outcome reasons read "<code>: <message>". */
function codeAndMessage(reason: string): { code: string; message: string } {
  const colon = reason.indexOf(": ");
  const code = reason.slice(0, colon);
  return colon > 0 && /^[a-z-]+$/.test(code) ? { code, message: reason.slice(colon + 2) } : { code: "transient", message: reason };
}
