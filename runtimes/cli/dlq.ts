import { parseArgs } from "node:util";
import { discardDeadLetter, redriveDeadLetter } from "../../core/pipeline/effects/dead-letters.js";
import { createEngine } from "../../core/pipeline/engine.js";
import type { DeadLetter, DeadLetters, Store } from "../../core/ports/store.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { openSealedStore } from "./open-store.js";

export const dlqUsage = `usage: edd dlq list [--realm <realm>] [--history]
       edd dlq show <id> [--realm <realm>]
       edd dlq redrive <id> | --all [--realm <realm>] [--operator <name>]
       edd dlq discard <id> [--realm <realm>] [--operator <name>]
       (every subcommand takes --json)

Dead letters are commands that failed for good: rejected, malformed, or still failing after the
configured attempts. Fix the cause, then redrive: the command runs again through the normal
pipeline with its own request id, so one that succeeded meanwhile is not applied twice. Effects
of a redriven command go to the outbox, where the running relay delivers them.

A redriven or discarded letter is kept, marked with the outcome, the operator (--operator, else
$EDD_OPERATOR, else $USER) and the time: list shows open letters, list --history all of them.

exit codes: 0 done, 1 a redrive failed or no such dead letter, 2 usage error, 3 fault (store unreachable)`;

type DlqRequest =
  | { readonly action: "list"; readonly realm?: string; readonly history: boolean }
  | { readonly action: "show"; readonly id: string; readonly realm?: string }
  | { readonly action: "discard"; readonly id: string; readonly realm?: string; readonly operator: string }
  /** Without an id: every open dead letter (of the realm). */
  | { readonly action: "redrive"; readonly id?: string; readonly realm?: string; readonly operator: string };

/** What one redrive did, as printed and as returned in --json. */
interface RedriveLine {
  readonly id: string;
  readonly outcome: "applied" | "failed" | "not-found";
  readonly status?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** `edd dlq`: list, inspect, redrive or discard the store's dead letters. */
export const dlqCommand: CliCommand = async (args, context) => {
  let request: DlqRequest;
  let json: boolean;
  try {
    ({ request, json } = parseDlqArgs(args, context.env));
  } catch (error) {
    context.err(`${messageOf(error)}\n\n${dlqUsage}\n`);
    return exitCodes.usage;
  }
  const output = { ...context, json: context.json || json };
  let store: Store;
  try {
    store = await openSealedStore(context);
  } catch (error) {
    context.err(`edd dlq: cannot open the store: ${messageOf(error)}\n`);
    return exitCodes.fault;
  }
  try {
    return await run(request, store, output);
  } catch (error) {
    context.err(`edd dlq: ${messageOf(error)}\n`);
    return exitCodes.fault;
  } finally {
    await store.close();
  }
};

async function run(request: DlqRequest, store: Store, context: CliContext): Promise<number> {
  switch (request.action) {
    case "list": {
      const letters = await store.listDeadLetters(request.realm, { includeResolved: request.history });
      if (context.json) context.out(JSON.stringify(letters.map(readable)));
      else if (letters.length === 0) context.out("no dead letters");
      else for (const line of table(letters)) context.out(line);
      return exitCodes.ok;
    }
    case "show": {
      const letter = await find(store, request.id, request.realm, true);
      if (letter === undefined) return notFound(context, request.id);
      if (context.json) context.out(JSON.stringify(readable(letter)));
      else for (const line of details(letter)) context.out(line);
      return exitCodes.ok;
    }
    case "discard": {
      const letter = await find(store, request.id, request.realm, false);
      if (letter === undefined || !(await discardDeadLetter({ store }, letter.id, request.realm, { operator: request.operator }))) {
        return notFound(context, request.id);
      }
      context.out(context.json ? JSON.stringify({ id: letter.id, outcome: "discarded" }) : `discarded ${letter.id}`);
      return exitCodes.ok;
    }
    case "redrive": {
      const lines = await redrive(request, store, context);
      if (context.json) context.out(JSON.stringify(lines));
      else if (lines.length === 0) context.out("no dead letters to redrive");
      else for (const line of lines) context.out(describeRedrive(line));
      return lines.every((line) => line.outcome === "applied") ? exitCodes.ok : exitCodes.problem;
    }
  }
}

/** One at a time, oldest first: dead letters of one aggregate keep their order. */
async function redrive(request: Extract<DlqRequest, { action: "redrive" }>, store: Store, context: CliContext): Promise<RedriveLine[]> {
  const { id, realm, operator } = request;
  const engine = createEngine({ services: context.config.services, store });
  const targets = id === undefined ? (await store.listDeadLetters(realm)).map((letter) => letter.id) : [id];
  const lines: RedriveLine[] = [];
  for (const target of targets) {
    const outcome = await redriveDeadLetter(engine, target, realm, { operator });
    if (outcome.outcome === "not-found") {
      lines.push({ id: target, outcome: "not-found" });
      continue;
    }
    const body = outcome.result.body;
    lines.push({ id: target, outcome: outcome.outcome, status: outcome.result.status, ...("error" in body ? { error: body.error } : {}) });
  }
  return lines;
}

async function find(store: DeadLetters, id: string, realm: string | undefined, includeResolved: boolean): Promise<DeadLetter | undefined> {
  return (await store.listDeadLetters(realm, { includeResolved })).find((letter) => letter.id === id);
}

function notFound(context: CliContext, id: string): number {
  if (context.json) context.out(JSON.stringify({ id, outcome: "not-found" }));
  else context.err(`no open dead letter ${id}\n`);
  return exitCodes.problem;
}

function parseDlqArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): { request: DlqRequest; json: boolean } {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      realm: { type: "string" },
      all: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      history: { type: "boolean", default: false },
      operator: { type: "string" },
    },
  });
  const [action, ...rest] = positionals;
  const realm = values.realm === undefined ? {} : { realm: values.realm };
  const json = values.json;
  const operator = values.operator || env.EDD_OPERATOR || env.USER || "cli";
  if (values.all && action !== "redrive") throw new Error("--all belongs to redrive");
  if (values.history && action !== "list") throw new Error("--history belongs to list");
  if (values.operator !== undefined && action !== "redrive" && action !== "discard")
    throw new Error("--operator belongs to redrive and discard");
  if (action === "list") {
    if (rest.length > 0) throw new Error("list takes no arguments");
    return { request: { action, ...realm, history: values.history }, json };
  }
  if (action === "show") return { request: { action, id: oneId(action, rest), ...realm }, json };
  if (action === "discard") return { request: { action, id: oneId(action, rest), ...realm, operator }, json };
  if (action === "redrive") {
    if (values.all && rest.length > 0) throw new Error("give a dead letter id or --all, not both");
    return { request: values.all ? { action, ...realm, operator } : { action, id: oneId(action, rest), ...realm, operator }, json };
  }
  throw new Error(action === undefined ? "name a subcommand" : `unknown subcommand ${action}`);
}

function oneId(action: string, rest: readonly string[]): string {
  const [id, ...extra] = rest;
  if (id === undefined) throw new Error(`${action} needs a dead letter id (see edd dlq list)`);
  if (extra.length > 0) throw new Error(`${action} takes one id`);
  if (!/^\d+$/.test(id)) throw new Error(`dead letter ids are numbers, not ${id}`);
  return id;
}

/** Queue dead letters keep the raw body text, outbox ones the parsed request: read both alike. */
function parsed(message: unknown): unknown {
  if (typeof message !== "string") return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}

/** The message as JSON for scripts (`jq '.[].message.commands'`), whichever way it was stored. */
function readable(letter: DeadLetter): DeadLetter {
  return { ...letter, message: parsed(letter.message) };
}

/** "Deposit acc-1" for a command request; what there is for anything else (a malformed body). */
function summary(message: unknown): string {
  const commands = (parsed(message) as { commands?: { command?: unknown; aggregateId?: unknown }[] } | null)?.commands;
  const first = Array.isArray(commands) ? commands[0] : undefined;
  if (first === undefined) return typeof message === "string" ? `(unparsed) ${truncate(message, 40)}` : "(not a command request)";
  const more = (commands?.length ?? 1) > 1 ? ` +${(commands?.length ?? 1) - 1}` : "";
  return `${String(first.command)} ${String(first.aggregateId)}${more}`;
}

function table(letters: readonly DeadLetter[]): string[] {
  const history = letters.some((l) => l.resolution !== undefined);
  const header = ["ID", "REALM", "SOURCE", "COMMAND", "ATTEMPTS", "LAST FAILED", "ERROR", ...(history ? ["RESOLVED"] : [])];
  const rows = letters.map((l) => [
    l.id,
    l.realm,
    l.source,
    summary(l.message),
    String(l.attempts),
    l.lastFailedAt,
    truncate(`${l.error.code}: ${l.error.message}`, 60),
    ...(history ? [resolutionText(l)] : []),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const format = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

function details(letter: DeadLetter): string[] {
  return [
    `id:            ${letter.id}`,
    `realm:         ${letter.realm}`,
    `source:        ${letter.source}`,
    `error:         ${letter.error.code}: ${letter.error.message}`,
    `attempts:      ${letter.attempts}`,
    `first failed:  ${letter.firstFailedAt}`,
    `last failed:   ${letter.lastFailedAt}`,
    `resolved:      ${resolutionText(letter)}`,
    "message:",
    ...(JSON.stringify(parsed(letter.message), null, 2) ?? "").split("\n").map((line) => `  ${line}`),
  ];
}

function resolutionText(letter: DeadLetter): string {
  const r = letter.resolution;
  return r === undefined ? "open" : `${r.outcome} by ${r.operator} at ${r.at}`;
}

function describeRedrive(line: RedriveLine): string {
  if (line.outcome === "not-found") return `${line.id}: no open dead letter`;
  if (line.outcome === "applied") return `${line.id}: applied (${line.status}), marked redriven`;
  return `${line.id}: failed again (${line.status} ${line.error?.code ?? ""}: ${line.error?.message ?? ""}), kept`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
