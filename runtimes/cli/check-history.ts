import { parseArgs } from "node:util";
import { checkHistory, type HistoryProblem, type HistoryReport } from "../../core/pipeline/operations/check-history.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const checkHistoryUsage = `usage: edd check-history --realm <realm> [--max-problems <n>]

Reads every event of the realm, in feed order, through the configured services' current event
types: renamed types by their aliases, older versions through the upcasters, and the result
against the current schema. Prints each event that fails, with its aggregate, sequence and
position and why; exits 1 if there is any, 0 otherwise. Run it before deploying a change to an
event type (docs/evolution.md). Read-only. --max-problems (default 1000) caps the lines printed;
every failure is counted.`;

/** `edd check-history`: 0 every event readable, 1 some are not, 2 usage, 3 fault. */
export const checkHistoryCommand: CliCommand = async (args, context) => {
  let options: { realm: string; maxProblems: number };
  try {
    options = parse(args);
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${checkHistoryUsage}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    const started = Date.now();
    const report = await checkHistory({
      store: backend.store,
      services: context.config.services,
      realm: options.realm,
      maxProblems: options.maxProblems,
      onProgress: (events) => context.progress?.(`check-history: ${events} events read`),
    });
    context.endProgress?.();
    printReport(context, report, Date.now() - started);
    return report.failed === 0 ? exitCodes.ok : exitCodes.problem;
  } catch (error) {
    context.endProgress?.();
    context.err(`check-history failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await backend.close();
  }
};

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { realm: { type: "string" }, "max-problems": { type: "string" } },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
  const max = values["max-problems"] ?? "1000";
  if (!/^\d+$/.test(max)) throw new Error(`--max-problems must be a whole number, got ${max}`);
  return { realm: values.realm, maxProblems: Number(max) };
}

function printReport(context: Parameters<CliCommand>[1], report: HistoryReport, elapsedMs: number): void {
  if (context.json) {
    context.out(JSON.stringify({ ...report, ok: report.failed === 0 }));
    return;
  }
  for (const problem of report.problems) context.out(describeHistoryProblem(problem));
  const more = report.failed > report.problems.length ? ` (the first ${report.problems.length} listed)` : "";
  const verdict = report.failed === 0 ? "every event readable" : `${report.failed} unreadable${more}`;
  context.out(`realm ${report.realm}: ${report.events} events read in ${elapsedMs} ms: ${verdict}`);
}

/** One line per event: aggregate first, so `grep` and `sort` group them, as `edd verify` does. */
export function describeHistoryProblem(problem: HistoryProblem): string {
  const position = problem.position === undefined ? "" : ` (position ${problem.position})`;
  const path = problem.path === "" ? "" : ` at ${problem.path}`;
  return `${problem.service}/${problem.aggregateId} sequence ${problem.sequence}${position}: ${problem.type} version ${problem.schemaVersion}${path}: ${problem.reason}`;
}
