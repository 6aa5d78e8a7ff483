import { parseArgs } from "node:util";
import { verifyChain } from "../../adapters/sql/hash.js";
import { countFeed } from "../../core/pipeline/rebuild.js";
import { type VerifyProblem, type VerifyReport, verifyRealm } from "../../core/pipeline/verify.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { openDataTools } from "./export.js";
import { formatProgress } from "./rebuild.js";

export const verifyUsage = `usage: edd verify --realm <realm> [--service <service>] [--aggregate <id>] [--no-views] [--no-count]

Replays every aggregate in scope and checks its hash chain, its snapshot and the documents of every
projection of its service. Prints each drift and broken chain; exits 1 if there is any, 0 otherwise.
Run it with the projectors caught up: a view that lags shows as drift.`;

/** `edd verify`: 0 all consistent, 1 drift or broken chain found, 2 usage, 3 fault. */
export const verifyCommand: CliCommand = async (args, context) => {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${verifyUsage}\n`);
    return exitCodes.usage;
  }
  const tools = await openDataTools(context, { views: options.views });
  try {
    const wholeRealm = options.service === undefined && options.aggregateId === undefined;
    const total = options.count && wholeRealm ? await countFeed(tools.store, options.realm) : undefined;
    const started = Date.now();
    const report = await verifyRealm({
      store: tools.store,
      services: context.config.services,
      listAggregates: tools.listAggregates,
      checkChain: verifyChain,
      ...(options.views && tools.views !== undefined ? { views: tools.views, projections: context.config.projections ?? [] } : {}),
      realm: options.realm,
      ...(options.service === undefined ? {} : { service: options.service }),
      ...(options.aggregateId === undefined ? {} : { aggregateId: options.aggregateId }),
      onProgress: progressLine(context, total, started),
    });
    context.err("\n");
    printReport(context, report, Date.now() - started);
    return report.problems.length === 0 ? exitCodes.ok : exitCodes.problem;
  } catch (error) {
    context.err(`\nverify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await tools.close();
  }
};

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      realm: { type: "string" },
      service: { type: "string" },
      aggregate: { type: "string" },
      "no-views": { type: "boolean", default: false },
      "no-count": { type: "boolean", default: false },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
  return {
    realm: values.realm,
    service: values.service,
    aggregateId: values.aggregate,
    views: !values["no-views"],
    count: !values["no-count"],
  };
}

function progressLine(context: CliContext, total: number | undefined, started: number) {
  return (progress: { aggregates: number; events: number }) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? progress.events / seconds : 0;
    const secondsLeft = total === undefined || rate === 0 ? undefined : Math.max(0, total - progress.events) / rate;
    context.err(
      `\rverify ${formatProgress({ done: progress.events, total, rate, secondsLeft })}  ${progress.aggregates} aggregates\u001b[K`,
    );
  };
}

function printReport(context: CliContext, report: VerifyReport, elapsedMs: number): void {
  if (context.json) {
    context.out(JSON.stringify({ ...report, ok: report.problems.length === 0 }));
    return;
  }
  for (const problem of report.problems) context.out(describeProblem(problem));
  const verdict = report.problems.length === 0 ? "consistent" : `${report.problems.length} problem(s)`;
  context.out(`realm ${report.realm}: ${report.aggregates} aggregates, ${report.events} events verified in ${elapsedMs} ms: ${verdict}`);
}

/** One line per problem: aggregate first, so `grep` and `sort` group them. */
export function describeProblem(problem: VerifyProblem): string {
  const aggregate = `${problem.service}/${problem.aggregateId}`;
  switch (problem.kind) {
    case "broken-chain":
      return `${aggregate} sequence ${problem.sequence}: broken chain: ${problem.reason}`;
    case "replay-failed":
      return `${aggregate}: replay failed: ${problem.reason}`;
    case "drift":
      return `${aggregate} ${problem.target}${problem.path === "" ? "" : ` ${problem.path}`}: expected ${show(problem.expected)}, found ${show(problem.found)}`;
  }
}

const show = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));
