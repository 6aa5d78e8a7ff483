import { idempotencyKey, rootBreadcrumbs } from "../../model/breadcrumbs.js";
import { type CommandRequest, commandRequestSchema, describeIssues } from "../../model/envelope.js";
import { safeParseFirstJitless } from "../../model/first-parse.js";
import { EddError, errorStatus } from "../../model/errors.js";
import type { Rejection } from "../../model/rejection.js";
import type { Principal } from "../../model/principal.js";
import {
  type AggregateHistory,
  ConcurrencyError,
  IdentityConflictError,
  type RequestLogEntry,
  type RequestOutcome,
} from "../../ports/store.js";
import type { EngineContext } from "../engine-context.js";
import { type Decided, decideRequest, type ValidCommand } from "./decide.js";
import { authorize } from "./authorize.js";
import { type DispatchResult, failure, idsFrom, internalError, type ResponseIds, success } from "../../model/result.js";
import { backoffDelay, delay } from "../retry.js";
import { logRequestStart, requestSpanAttributes } from "./request-log.js";
import { withFields } from "../../ports/logger.js";
import { activeTraceContext, continuing, traced } from "../../ports/tracer.js";
import { edgeError, forgedFieldsError } from "./edge.js";
import { commandRefs, prereadHistory } from "./preread.js";
import { provenanceOf } from "./provenance.js";
import { loggedPrincipal, logRefusal } from "./refusals.js";
import { fingerprintOf, type RequestFingerprint, replayFor } from "./request-hash.js";
import { redactCommandRequest } from "../../privacy/redact.js";
import { carriedTraceContext, measureAnswer, withTraceContext } from "./telemetry.js";

export interface DispatchOptions {
  /**
   * Set for effects and queue consumers: the message came from inside the system. Roles are not
   * checked, internal commands run, and the trusted path's fields (breadcrumbs, meta.cause) are taken.
   */
  readonly trusted?: boolean;
  /**
   * A W3C traceparent that came with the request (HTTP header, queue message attribute): the
   * request's span continues that trace. Effects and queue messages also carry it in `meta.traceparent`.
   */
  readonly traceparent?: string;
  /** The W3C tracestate that came with `traceparent` (`meta.tracestate` on effects); ignored without it. */
  readonly tracestate?: string;
}

/**
 * The one command pipeline every runtime calls: validate, log, answer replays from the
 * response store, decide, and commit the whole unit of work, re-running on version conflicts.
 */
export async function dispatchCommand(
  context: EngineContext,
  input: unknown,
  principal: Principal,
  options: DispatchOptions = {},
): Promise<DispatchResult> {
  const started = performance.now();
  const result = await answerCommand(context, input, principal, options);
  measureAnswer(context.metrics, result, performance.now() - started);
  return result;
}

async function answerCommand(
  context: EngineContext,
  input: unknown,
  principal: Principal,
  options: DispatchOptions,
): Promise<DispatchResult> {
  const invocationId = context.ids.uuid();
  const receivedAt = context.clock.now();
  // Nothing but the refusal itself is logged, and nothing stored, before these checks pass.
  const refuse = async (result: DispatchResult) => {
    await logRefusal(context, { kind: "command", principal, body: input, result, receivedAt });
    return result;
  };
  const unstorable = edgeError(input, principal);
  if (unstorable !== undefined) return refuse(failure(idsFrom(input, invocationId), unstorable));
  const parsed = safeParseFirstJitless(commandRequestSchema, input);
  if (!parsed.success) {
    return refuse(
      failure(
        idsFrom(input, invocationId),
        new EddError("invalid-envelope", "The command request does not match the envelope schema.", describeIssues(parsed.error)),
      ),
    );
  }
  const request = parsed.data;
  const ids: ResponseIds = { requestId: request.requestId, interactionId: request.interactionId, invocationId };
  const forged = options.trusted ? undefined : forgedFieldsError(request);
  if (forged !== undefined) return refuse(failure(ids, forged));
  const breadcrumbs = request.breadcrumbs ?? rootBreadcrumbs;
  // Hashed while the request is logged: no time added to the request.
  const fingerprint = fingerprintOf(request, principal, context.store.keyRequestHash?.bind(context.store, principal.realm));
  fingerprint.catch(() => {});
  const log = withFields(context.logger, { ...ids });
  const logEnd = logRequestStart(
    log,
    "command",
    principal,
    request.commands.map((entry) => entry.command),
    context.logPayloads ? redactCommandRequest(context.registry.services, request) : undefined,
  );
  const entry: RequestLogEntry = {
    realm: principal.realm,
    requestId: request.requestId,
    interactionId: request.interactionId,
    invocationId,
    breadcrumbs,
    kind: "command",
    body: request,
    receivedAt: receivedAt.toISOString(),
    principal: loggedPrincipal(principal, options.trusted ? "system" : "unknown"),
  };
  // Where the store can, the aggregates the commands name are read in the log write's round trip.
  const refs = context.store.logRequestAndRead === undefined ? [] : commandRefs(context.registry, request, principal.realm);
  const { logId, states } =
    refs.length > 0 && context.store.logRequestAndRead !== undefined
      ? await context.store.logRequestAndRead(entry, refs)
      : { logId: await context.store.logRequest(entry), states: [] };
  const firstReads = refs.length > 0 ? prereadHistory(context.store, refs, states) : context.store;
  const received = options.traceparent !== undefined ? options : options.trusted ? carriedTraceContext(request.meta) : {};
  const span = context.tracer.startSpan("edd.command", requestSpanAttributes(ids, principal), continuing(received));
  let result: DispatchResult;
  const tracking: RequestLogTracking = { logId, closedByCommit: false };
  try {
    result = await context.tracer.withSpan(span, async () =>
      processRequest(context, request, principal, ids, options, tracking, await fingerprint, firstReads),
    );
  } catch (error) {
    if (error instanceof EddError) {
      result = failure(ids, error);
    } else {
      span.recordError(error);
      log.error("command failed", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      result = failure(ids, internalError(invocationId));
    }
  }
  const errorCode = "error" in result.body ? result.body.error.code : undefined;
  // Written by the commit when the store can; replays, rejections not stored and failures get their own write.
  if (!tracking.closedByCommit) await context.store.recordOutcome(principal.realm, logId, outcomeOf(result, context.clock.now()));
  logEnd(result);
  span.setAttribute("edd.status", result.status);
  if (errorCode !== undefined) span.setAttribute("edd.error_code", errorCode);
  span.end();
  return result;
}

/** The request's log entry, and whether the commit that answered it also wrote its outcome. */
interface RequestLogTracking {
  readonly logId: string;
  closedByCommit: boolean;
}

/** The log's record of an answer: its status and, for an error, the code and message the client got. */
function outcomeOf(result: DispatchResult, now: Date): RequestOutcome {
  const error = "error" in result.body ? result.body.error : undefined;
  return {
    status: result.status,
    ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
    finishedAt: now.toISOString(),
  };
}

async function processRequest(
  context: EngineContext,
  request: CommandRequest,
  principal: Principal,
  ids: ResponseIds,
  options: DispatchOptions,
  tracking: RequestLogTracking,
  fingerprint: RequestFingerprint,
  /** The store as the first attempt reads it (aggregates read beside the log entry); later attempts read the store. */
  firstReads: AggregateHistory,
): Promise<DispatchResult> {
  const breadcrumbs = request.breadcrumbs ?? rootBreadcrumbs;
  if (breadcrumbs.length > context.maxEffectDepth) {
    throw new EddError(
      "effect-depth-exceeded",
      `Effect chain is ${breadcrumbs.length} deep, over the limit of ${context.maxEffectDepth}: probably a loop.`,
    );
  }
  const commands = validateCommands(context, request, principal, options);
  const key = idempotencyKey(request.requestId, breadcrumbs);
  const provenance = provenanceOf(request, principal, options.trusted === true);

  const storedAnswer = async (): Promise<DispatchResult | undefined> => {
    const stored = await context.store.findResponse(principal.realm, key);
    if (stored === undefined) return undefined;
    const { status, body } = replayFor(stored, fingerprint, request.requestId, options.trusted === true);
    return { status, body } as DispatchResult;
  };
  // The first attempt skips the lookup; every way out of it but a successful commit makes up for that.
  const replayedAnswer = (attempt: number) => (attempt === 1 ? storedAnswer() : Promise.resolve(undefined));

  for (let attempt = 1; ; attempt++) {
    // The first attempt does not look for a stored answer: the commit inserts the response under
    // the unique idempotency key, so a replay cannot commit twice and comes back here as a conflict.
    // Every other way out of the first attempt (rejection, error) looks the answer up first.
    if (attempt > 1) {
      const stored = await storedAnswer();
      if (stored !== undefined) return stored;
    }
    const now = context.clock.now();
    let decided: Decided;
    try {
      decided = await decideRequest({
        store: attempt === 1 ? firstReads : context.store,
        realm: principal.realm,
        principal,
        requestId: request.requestId,
        interactionId: request.interactionId,
        invocationId: ids.invocationId,
        breadcrumbs,
        commands,
        now,
        trusted: options.trusted === true,
        runQuery: context.runQuery,
        tracer: context.tracer,
        provenance,
      });
    } catch (error) {
      const stored = await replayedAnswer(attempt);
      if (stored !== undefined) return stored;
      throw error;
    }
    if (decided.kind === "rejected") {
      const stored = await replayedAnswer(attempt);
      if (stored !== undefined) return stored;
    }
    const response =
      decided.kind === "rejected"
        ? rejected(ids, decided.index, decided.rejection)
        : success(ids, {
            commands: decided.summaries,
            effects: decided.effects.length,
            identities: decided.identities.map((claim) => claim.name),
          });
    // A client's rejection is stored so a resend gets the same answer. A message from inside the
    // system (effect, queue) is rejected without storing: it goes to dead letters, and a redrive after
    // the cause is fixed must decide afresh.
    if (decided.kind === "rejected" && options.trusted) return response;
    // Taken here, under edd.command: each effect continues this request's trace wherever it is delivered.
    const effects = decided.kind === "accepted" ? withTraceContext(decided.effects, activeTraceContext(context.tracer)) : [];
    try {
      const events = decided.kind === "accepted" ? decided.changes.reduce((sum, change) => sum + change.events.length, 0) : 0;
      await traced(context.tracer, "edd.store.commit", { "edd.attempt": attempt, "edd.events": events }, () =>
        context.store.commit({
          realm: principal.realm,
          idempotencyKey: key,
          changes: decided.kind === "accepted" ? decided.changes : [],
          identities: decided.kind === "accepted" ? decided.identities : [],
          effects,
          response: { status: response.status, body: response.body, ...fingerprint },
          time: now.toISOString(),
          ...(context.store.recordsOutcomeInCommit === true
            ? { requestLog: { logId: tracking.logId, outcome: outcomeOf(response, now) } }
            : {}),
        }),
      );
      tracking.closedByCommit = context.store.recordsOutcomeInCommit === true;
      if (decided.kind === "accepted" && decided.effects.length > 0) context.onEffectsStored();
      if (events > 0) context.onEventsStored();
      return response;
    } catch (error) {
      if (error instanceof IdentityConflictError) {
        const stored = await replayedAnswer(attempt);
        if (stored !== undefined) return stored;
        throw new EddError("identity-conflict", error.message, { service: error.service, identity: error.identity });
      }
      if (!(error instanceof ConcurrencyError)) throw error;
      context.metrics.count("edd.commit.conflicts");
      if (attempt >= context.maxAttempts) {
        throw new EddError("conflict", `The aggregate kept changing; gave up after ${attempt} attempts. Retry the same request.`);
      }
      context.metrics.count("edd.commit.retries");
      await delay(backoffDelay(attempt, context.backoffMs, context.maxBackoffMs));
    }
  }
}

function validateCommands(context: EngineContext, request: CommandRequest, principal: Principal, options: DispatchOptions): ValidCommand[] {
  return request.commands.map((entry, index) => {
    const { service, definition } = context.registry.command(entry.command, entry.service);
    if (!options.trusted) {
      if (definition.internal === true) {
        throw new EddError("forbidden", `${service.name}.${entry.command} is internal: only effects and trusted consumers may send it.`, {
          index,
        });
      }
      authorize(principal, definition.roles, `${service.name}.${entry.command}`);
    }
    const parsed = safeParseFirstJitless(definition.schema, entry.attributes);
    if (!parsed.success) {
      throw new EddError("invalid-command", `Attributes of ${entry.command} (command ${index}) are invalid.`, {
        index,
        issues: describeIssues(parsed.error),
      });
    }
    return {
      service,
      name: entry.command,
      definition,
      aggregateId: entry.aggregateId,
      attributes: parsed.data,
      ...(entry.expectedVersion === undefined ? {} : { expectedVersion: entry.expectedVersion }),
    };
  });
}

/** A business rejection answers 422 with the handler's own code, so clients switch on one field. */
function rejected(ids: ResponseIds, index: number, rejection: Rejection): DispatchResult {
  const details = rejection.details === undefined ? { index } : { index, ...asRecord(rejection.details) };
  return { status: errorStatus.rejected, body: { ...ids, error: { code: rejection.code, message: rejection.message, details } } };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}
