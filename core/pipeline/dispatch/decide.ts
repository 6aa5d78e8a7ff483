import { type Breadcrumbs, childBreadcrumbs } from "../../model/breadcrumbs.js";
import { EddError } from "../../model/errors.js";
import { safeParseFirstJitless } from "../../model/first-parse.js";
import type { EventMeta, NewEvent, StoredEvent } from "../../model/events.js";
import type { Principal } from "../../model/principal.js";
import { isRejection, type Rejection } from "../../model/rejection.js";
import type { CommandDefinition, Decision, EventMap, Service } from "../../model/service.js";
import type { AggregateChange, AggregateHistory, IdentityClaim, OutboxEntry } from "../../ports/store.js";
import type { Tracer } from "../../ports/tracer.js";
import { evolveRead, type LoadedAggregate, loadAggregate } from "./aggregate.js";
import { type QueryRunner, resolveDependencies } from "./dependencies.js";
import { effectMeta, type Provenance } from "./provenance.js";

/** One command of a request, already validated against its schema. */
export interface ValidCommand {
  readonly service: Service;
  readonly name: string;
  readonly definition: CommandDefinition<unknown>;
  readonly aggregateId: string;
  readonly attributes: unknown;
  readonly expectedVersion?: number;
}

export interface DecideInput {
  readonly store: AggregateHistory;
  readonly realm: string;
  readonly principal: Principal;
  readonly requestId: string;
  readonly interactionId: string;
  readonly invocationId: string;
  readonly breadcrumbs: Breadcrumbs;
  readonly commands: readonly ValidCommand[];
  readonly now: Date;
  /** The request came along the trusted path: its dependency queries skip role checks like its commands. */
  readonly trusted: boolean;
  readonly runQuery: QueryRunner;
  readonly tracer: Tracer;
  /** Initiator, actor and the root request's meta, written beside every event and passed on to effects. */
  readonly provenance: Provenance;
}

export interface CommandSummary {
  readonly service: string;
  readonly command: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly events: readonly { readonly type: string; readonly sequence: number }[];
}

export type Decided =
  | { readonly kind: "rejected"; readonly index: number; readonly rejection: Rejection }
  | {
      readonly kind: "accepted";
      readonly changes: readonly AggregateChange[];
      readonly identities: readonly IdentityClaim[];
      readonly effects: readonly OutboxEntry[];
      readonly summaries: readonly CommandSummary[];
    };

/**
 * Runs every command of a request against current state, in order, without writing anything.
 * Later commands on the same aggregate see the state left by earlier ones.
 */
export async function decideRequest(input: DecideInput): Promise<Decided> {
  const working = new Map<string, LoadedAggregate>();
  const changes: AggregateChange[] = [];
  const identities: IdentityClaim[] = [];
  const effects: OutboxEntry[] = [];
  const summaries: CommandSummary[] = [];
  const time = input.now.toISOString();

  for (const [index, command] of input.commands.entries()) {
    const ref = { realm: input.realm, service: command.service.name, aggregateId: command.aggregateId };
    const key = `${ref.service}\u0000${ref.aggregateId}`;
    const current = working.get(key) ?? (await loadAggregate(input.store, command.service, ref));
    if (command.expectedVersion !== undefined && command.expectedVersion !== current.version) {
      throw new EddError(
        "version-mismatch",
        `${command.name} expected ${command.aggregateId} at version ${command.expectedVersion}, it is at ${current.version}.`,
        {
          index,
          expectedVersion: command.expectedVersion,
          actualVersion: current.version,
        },
      );
    }
    const deps = await resolveDependencies(
      command.definition.dependencies,
      command.attributes,
      {
        owner: command.service.name,
        principal: input.principal,
        requestId: input.requestId,
        interactionId: input.interactionId,
        breadcrumbs: input.breadcrumbs,
        trusted: input.trusted,
      },
      input.runQuery,
    );
    const span = input.tracer.startSpan("edd.handle", {
      "edd.service": command.service.name,
      "edd.command": command.name,
      "edd.aggregate_id": command.aggregateId,
      "edd.version": current.version,
    });
    let decision: Decision<EventMap>;
    try {
      decision = command.definition.handle(command.attributes, current.state, {
        aggregateId: command.aggregateId,
        version: current.version,
        deps,
        user: input.principal,
        now: input.now,
      });
      if (isRejection(decision)) span.setAttribute("edd.rejection", decision.code);
    } catch (error) {
      span.recordError(error);
      throw error;
    } finally {
      span.end();
    }
    if (isRejection(decision)) return { kind: "rejected", index, rejection: decision };

    const { events, identities: names } = normalise(decision);
    const meta: EventMeta = {
      requestId: input.requestId,
      interactionId: input.interactionId,
      invocationId: input.invocationId,
      breadcrumbs: input.breadcrumbs,
      user: input.principal.id,
      command: command.name,
      initiator: input.provenance.initiator,
      actor: input.provenance.actor,
      ...(input.provenance.origin === undefined ? {} : { origin: input.provenance.origin }),
    };
    const stored = events.map((event, i): StoredEvent => {
      const data = validateEvent(command.service, command.name, event);
      const schemaVersion = command.service.events[event.type]?.version ?? 1;
      return {
        realm: input.realm,
        service: ref.service,
        aggregateId: ref.aggregateId,
        sequence: current.version + i + 1,
        type: event.type,
        data,
        ...(schemaVersion === 1 ? {} : { schemaVersion }),
        meta,
        time,
      };
    });
    const state = evolveRead(command.service, current.state, stored);
    const version = current.version + stored.length;
    working.set(key, { state, version });
    if (stored.length > 0) {
      changes.push({
        service: ref.service,
        aggregateId: ref.aggregateId,
        expectedVersion: current.version,
        events: stored.map(({ type, data, schemaVersion }) =>
          schemaVersion === undefined ? { type, data } : { type, data, schemaVersion },
        ),
        meta,
        snapshot: { state, version },
      });
    }
    for (const name of names) identities.push({ service: ref.service, name, aggregateId: ref.aggregateId });
    for (const event of stored) {
      for (const effect of command.service.effects[event.type] ?? []) {
        for (const target of effect.commands(event)) {
          effects.push({
            targetService: target.service,
            aggregateId: target.aggregateId,
            request: {
              requestId: input.requestId,
              interactionId: input.interactionId,
              breadcrumbs: childBreadcrumbs(input.breadcrumbs, effects.length),
              meta: effectMeta(input.provenance, {
                service: ref.service,
                aggregateId: ref.aggregateId,
                sequence: event.sequence,
                type: event.type,
              }),
              commands: [
                { service: target.service, command: target.command, aggregateId: target.aggregateId, attributes: target.attributes },
              ],
            },
          });
        }
      }
    }
    summaries.push({
      service: ref.service,
      command: command.name,
      aggregateId: ref.aggregateId,
      version,
      events: stored.map((event) => ({ type: event.type, sequence: event.sequence })),
    });
  }
  return { kind: "accepted", changes, identities, effects, summaries };
}

function normalise(decision: Exclude<Decision<EventMap>, Rejection>): { events: readonly NewEvent[]; identities: readonly string[] } {
  if (Array.isArray(decision)) return { events: decision as readonly NewEvent[], identities: [] };
  const outcome = decision as { events: readonly NewEvent[]; identities?: readonly string[] };
  return { events: outcome.events, identities: outcome.identities ?? [] };
}

/** A handler that emits an undeclared or malformed event has a bug: fail loudly, store nothing. */
function validateEvent(service: Service, command: string, event: NewEvent): unknown {
  const definition = service.events[event.type];
  if (definition === undefined) throw new Error(`${service.name}.${command} emitted undeclared event ${event.type}`);
  const parsed = safeParseFirstJitless(definition.schema, event.data);
  if (!parsed.success) throw new Error(`${service.name}.${command} emitted invalid ${event.type}: ${parsed.error.message}`);
  return parsed.data;
}
