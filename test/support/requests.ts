import { randomUUID } from "node:crypto";

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
