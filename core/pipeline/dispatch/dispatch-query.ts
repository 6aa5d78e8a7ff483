import * as z from "zod";
import { rootBreadcrumbs } from "../../model/breadcrumbs.js";
import { describeIssues, type QueryRequest, queryRequestSchema } from "../../model/envelope.js";
import { safeParseFirstJitless } from "../../model/first-parse.js";
import type { Logger } from "../../ports/logger.js";
import { EddError } from "../../model/errors.js";
import type { Principal } from "../../model/principal.js";
import type { Service } from "../../model/service.js";
import { parseViewQuery, type ViewQuery } from "../../model/view-query.js";
import type { ViewStore } from "../../ports/view-store.js";
import { loadAggregate } from "./aggregate.js";
import { authorize } from "./authorize.js";
import { type DependencyScope, resolveDependencies } from "./dependencies.js";
import { type DispatchResult, failure, idsFrom, internalError, type ResponseIds, success } from "../../model/result.js";
import type { EngineContext } from "../engine-context.js";
import { logRequestStart, requestSpanAttributes } from "./request-log.js";
import { redactQueryRequest } from "../../privacy/redact.js";
import { withFields } from "../../ports/logger.js";
import { continuing } from "../../ports/tracer.js";
import { edgeError, principalForQuery } from "./edge.js";
import { logRefusal } from "./refusals.js";

/** The one query pipeline: validate, resolve dependencies, run the handler. Queries change nothing. */
export async function dispatchQuery(
  context: EngineContext,
  input: unknown,
  caller: Principal,
  options: { trusted?: boolean; traceparent?: string; tracestate?: string } = {},
): Promise<DispatchResult> {
  const invocationId = context.ids.uuid();
  const receivedAt = context.clock.now();
  // Queries are not logged; a query refused at the edge is, like a refused command.
  const refuse = async (result: DispatchResult) => {
    await logRefusal(context, { kind: "query", principal: caller, body: input, result, receivedAt });
    return result;
  };
  const unstorable = edgeError(input, caller);
  if (unstorable !== undefined) return refuse(failure(idsFrom(input, invocationId), unstorable));
  const parsed = safeParseFirstJitless(queryRequestSchema, input);
  if (!parsed.success) {
    return refuse(
      failure(
        idsFrom(input, invocationId),
        new EddError("invalid-envelope", "The query request does not match the envelope schema.", describeIssues(parsed.error)),
      ),
    );
  }
  const request = parsed.data;
  const ids: ResponseIds = {
    requestId: request.requestId ?? context.ids.uuid(),
    interactionId: request.interactionId ?? context.ids.uuid(),
    invocationId,
  };
  const principal = principalForQuery(caller, request.realm, options.trusted === true);
  if (principal instanceof EddError) return refuse(failure(ids, principal));
  const log = withFields(context.logger, { ...ids });
  const logEnd = logRequestStart(
    log,
    "query",
    principal,
    [request.query.query],
    context.logPayloads ? redactQueryRequest(context.registry.services, request) : undefined,
  );
  const span = context.tracer.startSpan(
    "edd.query",
    { ...requestSpanAttributes(ids, principal), "edd.query": request.query.query },
    continuing(options),
  );
  const result = await context.tracer.withSpan(span, () => answerQuery(context, request, principal, ids, options, log));
  logEnd(result);
  span.setAttribute("edd.status", result.status);
  if ("error" in result.body) span.setAttribute("edd.error_code", result.body.error.code);
  span.end();
  return result;
}

async function answerQuery(
  context: EngineContext,
  request: QueryRequest,
  principal: Principal,
  ids: ResponseIds,
  options: { trusted?: boolean },
  log: Logger,
): Promise<DispatchResult> {
  try {
    const scope: DependencyScope = {
      owner: "",
      principal,
      requestId: ids.requestId as string,
      interactionId: ids.interactionId as string,
      breadcrumbs: request.breadcrumbs ?? rootBreadcrumbs,
      trusted: options.trusted === true,
    };
    const answer = await runLocalQuery(
      context,
      request.query.service,
      request.query.query,
      request.query.attributes,
      scope,
      options.trusted ?? false,
    );
    return success(ids, answer ?? null);
  } catch (error) {
    if (error instanceof EddError) return failure(ids, error);
    // A handler that parses input further (its own schema, a view query) and finds it invalid.
    if (error instanceof z.ZodError) {
      return failure(ids, new EddError("invalid-query", "The query's input is invalid.", { issues: describeIssues(error) }));
    }
    log.error("query failed", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return failure(ids, internalError(ids.invocationId));
  }
}

/** Runs a query of a hosted service; also used to resolve dependencies in process. */
export async function runLocalQuery(
  context: EngineContext,
  serviceName: string | undefined,
  name: string,
  attributes: Record<string, unknown>,
  scope: DependencyScope,
  trusted: boolean,
): Promise<unknown> {
  const { service, definition } = context.registry.query(name, serviceName);
  if (!trusted) authorize(scope.principal, definition.roles, `${service.name}.${name}`);
  const parsed = safeParseFirstJitless(definition.schema, attributes);
  if (!parsed.success) {
    throw new EddError("invalid-query", `Attributes of ${name} are invalid.`, { issues: describeIssues(parsed.error) });
  }
  const deps = await resolveDependencies(definition.dependencies, parsed.data, { ...scope, owner: service.name }, context.runQuery);
  return definition.handle(parsed.data, queryContext(context, service, scope.principal, deps));
}

function queryContext(context: EngineContext, service: Service, principal: Principal, deps: Record<string, unknown>) {
  const realm = principal.realm;
  return {
    realm,
    user: principal,
    deps,
    aggregates: {
      async get(aggregateId: string) {
        const loaded = await loadAggregate(context.store, service, { realm, service: service.name, aggregateId });
        return loaded.version === 0 ? undefined : { id: aggregateId, version: loaded.version, state: loaded.state };
      },
    },
    identities: {
      find: (name: string) => context.store.findIdentity(realm, service.name, name),
    },
    views: {
      search: (view: string, query: ViewQuery) => viewStore(context).search(realm, view, parseViewQuery(query)),
      get: (view: string, id: string) => viewStore(context).get(realm, view, id),
    },
  };
}

function viewStore(context: EngineContext): ViewStore {
  if (context.views === undefined)
    throw new Error("this query reads views, but the engine has no view store: pass `views` to createEngine");
  return context.views;
}
