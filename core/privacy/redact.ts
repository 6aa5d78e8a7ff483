import type { CommandRequest, QueryRequest } from "../model/envelope.js";
import type { Service } from "../model/service.js";
import { markAt, personalPaths } from "./personal-fields.js";

/** What a logged request body shows in place of a value its schema declares personal. */
export const redactedMarker = "edd:redacted";

/**
 * A command request as `logPayloads` writes it to the log: each attribute the command's schema
 * marks personal replaced by the marker, so log lines hold no personal value in plain.
 */
export function redactCommandRequest(services: readonly Service[], request: CommandRequest): CommandRequest {
  return {
    ...request,
    commands: request.commands.map((entry) => {
      const schema = declaring(services, entry.service, (service) => service.commands[entry.command]?.schema);
      return schema === undefined
        ? entry
        : { ...entry, attributes: markAt(entry.attributes, personalPaths(schema), redactedMarker) as Record<string, unknown> };
    }),
  };
}

/** A query request as `logPayloads` writes it: the attributes its schema marks personal replaced. */
export function redactQueryRequest(services: readonly Service[], request: QueryRequest): QueryRequest {
  const { query } = request;
  const schema = declaring(services, query.service, (service) => service.queries[query.query]?.schema);
  if (schema === undefined) return request;
  return {
    ...request,
    query: { ...query, attributes: markAt(query.attributes, personalPaths(schema), redactedMarker) as Record<string, unknown> },
  };
}

/** The schema of the one service that declares the name (or of the named service). */
function declaring<T>(
  services: readonly Service[],
  serviceName: string | undefined,
  schemaOf: (service: Service) => T | undefined,
): T | undefined {
  const found = services.filter(
    (service) => (serviceName === undefined || service.name === serviceName) && schemaOf(service) !== undefined,
  );
  return found.length === 1 ? schemaOf(found[0] as Service) : undefined;
}
