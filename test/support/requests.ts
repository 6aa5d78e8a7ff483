import { randomUUID } from "node:crypto";
import type { RequestLogEntry } from "../../core/ports/store.js";

export interface CommandLine {
  command: string;
  aggregateId: string;
  attributes?: Record<string, unknown>;
  service?: string;
  expectedVersion?: number;
}

/** A command request envelope with fresh ids unless given. */
export function commandRequest(commands: CommandLine | CommandLine[], ids: { requestId?: string; interactionId?: string } = {}) {
  return {
    requestId: ids.requestId ?? randomUUID(),
    interactionId: ids.interactionId ?? randomUUID(),
    commands: Array.isArray(commands) ? commands : [commands],
  };
}

export function queryRequest(query: string, attributes: Record<string, unknown>, service?: string) {
  return { requestId: randomUUID(), interactionId: randomUUID(), query: { query, attributes, ...(service ? { service } : {}) } };
}

/** A request-log entry of a command with fresh ids, received now unless told otherwise. */
export function requestLogEntry(realm: string, fields: { body?: unknown; receivedAt?: string } = {}): RequestLogEntry {
  return {
    realm,
    requestId: randomUUID(),
    interactionId: randomUUID(),
    invocationId: randomUUID(),
    breadcrumbs: [0],
    kind: "command",
    body: fields.body ?? { commands: [] },
    receivedAt: fields.receivedAt ?? new Date().toISOString(),
  };
}
