import { parseArgs } from "node:util";
import { verifyChain } from "../shared/hash-chain.js";
import { type Anchor, AnchorFileError } from "../../core/pipeline/operations/anchor.js";
import { countFeed } from "../../core/pipeline/projections/rebuild.js";
import { type VerifyProblem, type VerifyReport, verifyRealm } from "../../core/pipeline/operations/verify.js";
import { compareWithAnchor } from "../../core/pipeline/operations/verify-anchor.js";
import { loadAnchor } from "./anchor-keys.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { aggregateLister, openBackendFor } from "./backend.js";
import { formatProgress } from "./rebuild.js";
import { noKeyStore, openKeysFor, sealedStore, sealedViews } from "./personal-data.js";
import { holdsPersonalData } from "../../core/privacy/index.js";

export const verifyUsage = `usage: edd verify --realm <realm> [--service <service>] [--aggregate <id>] [--no-views] [--no-count]
                  [--anchor <file> [--public-key <file>]]

Replays every aggregate in scope and checks its hash chain, its snapshot and the documents of every
projection of its service. Prints each drift and broken chain; exits 1 if there is any, 0 otherwise.
Run it with the projectors caught up: a view that lags shows as drift.

With --anchor (a file \`edd anchor\` wrote), the anchor's signature is checked with the public key
(--public-key, else $EDD_ANCHOR_PUBLIC_KEY or $EDD_ANCHOR_PUBLIC_KEY_FILE) and every aggregate it
signed must still hold the history it signed: each rewrite and deletion since is reported, even
when the hash chain was recomputed. --realm defaults to the anchor's realm.`;

/** `edd verify`: 0 all consistent, 1 drift or broken chain found, 2 usage, 3 fault. */
export const verifyCommand: CliCommand = async (args, context) => {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${verifyUsage}\n`);
    return exitCodes.usage;
  }
  let anchor: Anchor | undefined;
  try {
    anchor = options.anchor === undefined ? undefined : await loadAnchor(options.anchor, options.publicKey, context.env);
  } catch (error) {
    const refused = error instanceof AnchorFileError;
    context.err(`verify ${refused ? "refused the anchor" : "failed"}: ${error instanceof Error ? error.message : String(error)}\n`);
    return refused ? exitCodes.problem : exitCodes.usage;
  }
  const realm = options.realm ?? anchor?.header.realm;
  if (realm === undefined || (anchor !== undefined && anchor.header.realm !== realm)) {
    const reason = realm === undefined ? "--realm is required" : `the anchor is of realm ${anchor?.header.realm}, not ${realm}`;
    context.err(`${reason}\n\n${verifyUsage}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    const wholeRealm = options.service === undefined && options.aggregateId === undefined;
    const total = options.count && wholeRealm ? await countFeed(backend.store, realm) : undefined;
    const started = Date.now();
    const scope = {
      ...(options.service === undefined ? {} : { service: options.service }),
      ...(options.aggregateId === undefined ? {} : { aggregateId: options.aggregateId }),
    };
    // Sealed personal data is opened for the replay; the chain is checked over what is stored.
    const keys = await openKeysFor(context.config, context.env, backend);
    const store = sealedStore(backend.store, context.config, keys);
    if (keys === undefined && holdsPersonalData(context.config.services))
      context.err(`note: ${noKeyStore}; sealed fields are replayed sealed\n`);
    const replayed = await verifyRealm({
      store,
      ...(keys === undefined ? {} : { storedForm: backend.store }),
      services: context.config.services,
      listAggregates: aggregateLister(backend),
      checkChain: verifyChain,
      ...(options.views && backend.volatileViews !== true
        ? { views: sealedViews(backend.views, store, context.config), projections: context.config.projections ?? [] }
        : {}),
      realm,
      ...scope,
      onProgress: progressLine(context, total, started),
    });
    const sinceAnchor =
      anchor === undefined ? [] : await compareWithAnchor({ store: backend.store, anchor, checkChain: verifyChain, ...scope });
    const report = { ...replayed, problems: [...replayed.problems, ...sinceAnchor] };
    context.endProgress?.();
    printReport(context, report, Date.now() - started);
    return report.problems.length === 0 ? exitCodes.ok : exitCodes.problem;
  } catch (error) {
    context.endProgress?.();
    context.err(`verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await backend.close();
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
      anchor: { type: "string" },
      "public-key": { type: "string" },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.realm === "" || (values.realm === undefined && values.anchor === undefined)) throw new Error("--realm is required");
  if (values["public-key"] !== undefined && values.anchor === undefined) throw new Error("--public-key goes with --anchor");
  return {
    realm: values.realm,
    anchor: values.anchor,
    publicKey: values["public-key"],
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
    context.progress?.(`verify ${formatProgress({ done: progress.events, total, rate, secondsLeft })}  ${progress.aggregates} aggregates`);
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
    case "rewritten":
      return `${aggregate} sequence ${problem.sequence}: rewritten since the anchor: ${problem.reason}`;
    case "deleted":
      return `${aggregate} sequence ${problem.sequence}: deleted since the anchor: ${problem.reason}`;
  }
}

const show = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));
