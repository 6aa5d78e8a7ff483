import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { randomIds, systemClock } from "../../core/ports/clock.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import { forgetSubject, type ForgetReport } from "../../core/privacy/index.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";
import { noKeyStore, openKeysFor, sealedStore, sealedViews } from "./personal-data.js";

export const forgetUsage = `usage: edd forget --realm <realm> --subject <id> [--reason <text>] [--operator <name>]

Erases a data subject's personal data (docs/privacy.md): destroys the subject's key, so every
sealed copy of it (events, snapshots, request log, responses, outbox, dead letters) reads as
"edd:erased" from then on; frees the unique names its aggregates claimed; records the erasure as
an edd.PersonalDataErased event on each of its aggregates; and re-folds their view documents.
The hash chains are over the sealed form, so \`edd verify\` still passes. Cannot be undone.
--operator (default: the OS user) is recorded as the erasure's user. Running it again is safe.

Needs the key store: $EDD_MASTER_KEY with the default SQL store, or the config's openKeyStore.
exit codes: 0 forgotten, 2 usage error, 3 fault (nothing to forget with, store unreachable)`;

/** `edd forget`: 0 forgotten, 2 usage, 3 fault. */
export const forgetCommand: CliCommand = async (args, context) => {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${forgetUsage}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  let keys: KeyStore | undefined;
  try {
    keys = await openKeysFor(context.config, context.env, backend);
    if (keys === undefined) throw new Error(noKeyStore);
    const store = sealedStore(backend.store, context.config, keys);
    const report = await forgetSubject({
      store,
      personal: store.personal,
      realm: options.realm,
      subject: options.subject,
      operator: options.operator ?? `operator:${userInfo().username}`,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      projections: context.config.projections ?? [],
      views: sealedViews(backend.views, store, context.config),
      clock: systemClock,
      ids: randomIds,
    });
    print(context, report);
    return exitCodes.ok;
  } catch (error) {
    context.err(`forget failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await keys?.close();
    await backend.close();
  }
};

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      realm: { type: "string" },
      subject: { type: "string" },
      reason: { type: "string" },
      operator: { type: "string" },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
  if (values.subject === undefined || values.subject === "") throw new Error("--subject is required");
  if (values.subject.startsWith("edd:")) throw new Error(`"${values.subject}" is not a data subject`);
  return { realm: values.realm, subject: values.subject, reason: values.reason, operator: values.operator };
}

function print(context: CliContext, report: ForgetReport): void {
  if (context.json) {
    context.out(JSON.stringify(report));
    return;
  }
  const aggregates = report.aggregates.map((a) => `${a.service}/${a.aggregateId} (erasure at ${a.sequence})`).join(", ") || "no aggregates";
  context.out(
    `realm ${report.realm}: forgot ${report.subject}: ${report.keysDestroyed} key(s) destroyed, ${report.identitiesReleased} identit(ies) released, ` +
      `${aggregates}, ${report.viewsRewritten} view document(s) rewritten`,
  );
}
