import { parseArgs } from "node:util";
import { type HistoryPoint, stateAt } from "../../core/pipeline/operations/state-at.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const stateUsage = `usage: edd state --realm <realm> --aggregate <service>/<id> --at <version>|<time> [--json]

Prints the state of one aggregate as it was after event number <version>, or at an instant
(ISO-8601, e.g. 2026-01-02T03:04:05.678Z), folded from its events with the service's own evolve.
Reads only.

exit codes: 0 printed, 1 no such aggregate or service, 2 usage error, 3 fault (store unreachable)`;

/** `edd state`: an aggregate's state at a point in its history, for operators and auditors. */
export const stateCommand: CliCommand = async (args, context) => {
  let request: { realm: string; service: string; aggregateId: string; at: HistoryPoint; json: boolean };
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        realm: { type: "string" },
        aggregate: { type: "string" },
        at: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (!values.realm) throw new Error("--realm is required");
    const slash = values.aggregate?.indexOf("/") ?? -1;
    if (values.aggregate === undefined || slash < 1 || slash === values.aggregate.length - 1) {
      throw new Error("--aggregate is <service>/<id>, e.g. accounts/acc-1");
    }
    if (!values.at) throw new Error("--at is a version (a number) or an ISO-8601 time");
    const at: HistoryPoint = /^\d+$/.test(values.at) ? { version: Number(values.at) } : { time: values.at };
    if ("time" in at && Number.isNaN(Date.parse(at.time))) throw new Error(`--at ${values.at} is neither a version nor an ISO-8601 time`);
    request = {
      realm: values.realm,
      service: values.aggregate.slice(0, slash),
      aggregateId: values.aggregate.slice(slash + 1),
      at,
      json: values.json,
    };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${stateUsage}\n`);
    return exitCodes.usage;
  }
  const service = context.config.services.find((s) => s.name === request.service);
  if (service === undefined) {
    context.err(`no service ${request.service} in the configuration\n`);
    return exitCodes.problem;
  }
  let backend: Awaited<ReturnType<typeof openBackendFor>>;
  try {
    backend = await openBackendFor(context);
  } catch (error) {
    context.err(`edd state: cannot open the store: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  }
  try {
    const ref = { realm: request.realm, service: request.service, aggregateId: request.aggregateId };
    const found = await stateAt(backend.store, service, ref, request.at);
    if (found.latestVersion === 0) {
      context.err(`${request.service}/${request.aggregateId} has no events in realm ${request.realm}\n`);
      return exitCodes.problem;
    }
    if (context.json || request.json) context.out(JSON.stringify({ ...ref, ...found }));
    else {
      context.out(
        `${request.service}/${request.aggregateId} at version ${found.version} of ${found.latestVersion}${found.time ? ` (${found.time})` : ""}:`,
      );
      context.out(JSON.stringify(found.state, null, 2));
    }
    return exitCodes.ok;
  } catch (error) {
    context.err(`edd state: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await backend.close();
  }
};
