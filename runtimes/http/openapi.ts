import * as z from "zod";
import { commandRequestSchema, queryRequestSchema } from "../../core/model/envelope.js";
import { errorStatus } from "../../core/model/errors.js";
import type { Service } from "../../core/model/service.js";

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** One JSON Schema per command: the envelope entry with its name fixed and its attributes typed. */
export function commandSchemas(services: readonly Service[]): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  for (const service of services) {
    for (const [name, definition] of Object.entries(service.commands)) {
      // Internal commands are the system's own steps: no client can send them.
      if (definition.internal === true) continue;
      schemas[`${service.name}.${name}`] = {
        type: "object",
        required: ["command", "aggregateId"],
        additionalProperties: false,
        properties: {
          service: { const: service.name },
          command: { const: name },
          aggregateId: { type: "string", minLength: 1, maxLength: 200 },
          attributes: jsonSchema(definition.schema),
          expectedVersion: { type: "integer", minimum: 0 },
        },
      };
    }
  }
  return schemas;
}

export function querySchemas(services: readonly Service[]): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  for (const service of services) {
    for (const [name, definition] of Object.entries(service.queries)) {
      schemas[`${service.name}.${name}`] = {
        type: "object",
        required: ["query"],
        additionalProperties: false,
        properties: { service: { const: service.name }, query: { const: name }, attributes: jsonSchema(definition.schema) },
      };
    }
  }
  return schemas;
}

const errorResponse = {
  type: "object",
  required: ["invocationId", "error"],
  properties: {
    requestId: { type: "string" },
    interactionId: { type: "string" },
    invocationId: { type: "string" },
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
    },
  },
};

/** The OpenAPI 3.1 document served at GET /openapi.json, generated from the services' zod schemas. */
export function buildOpenApi(services: readonly Service[], maxBodyBytes: number): JsonSchema {
  const commands = commandSchemas(services);
  const queries = querySchemas(services);
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const commandEnvelope = jsonSchema(commandRequestSchema) as { properties: Record<string, JsonSchema> };
  // What a client may send: breadcrumbs and meta.cause belong to the trusted path (effects, queue consumers).
  delete commandEnvelope.properties.breadcrumbs;
  commandEnvelope.properties.meta = { ...commandEnvelope.properties.meta, propertyNames: { not: { const: "cause" } } };
  commandEnvelope.properties.commands = { type: "array", minItems: 1, maxItems: 100, items: { oneOf: Object.keys(commands).map(ref) } };
  const queryEnvelope = jsonSchema(queryRequestSchema) as { properties: Record<string, JsonSchema> };
  queryEnvelope.properties.query = { oneOf: Object.keys(queries).map(ref) };
  const errors = Object.fromEntries(
    [...new Set(Object.values(errorStatus))]
      .sort()
      .map((status) => [
        String(status),
        { description: codesFor(status), content: { "application/json": { schema: ref("ErrorResponse") } } },
      ]),
  );
  const ok = (description: string) => ({ description, content: { "application/json": { schema: ref("SuccessResponse") } } });
  return {
    openapi: "3.1.0",
    info: { title: `edd: ${services.map((s) => s.name).join(", ")}`, version: "1", description: `Bodies up to ${maxBodyBytes} bytes.` },
    paths: {
      "/command": {
        post: {
          summary: "Run one or more commands, all or nothing",
          requestBody: { required: true, content: { "application/json": { schema: ref("CommandRequest") } } },
          responses: { "200": ok("Events stored (or the stored response of an earlier identical request)"), ...errors },
        },
      },
      "/query": {
        post: {
          summary: "Run a query",
          requestBody: { required: true, content: { "application/json": { schema: ref("QueryRequest") } } },
          responses: { "200": ok("The query's answer in result"), ...errors },
        },
        get: {
          summary: "Run a query, for clients that can only GET (never cached: the answer depends on who asks)",
          parameters: [
            { name: "request", in: "query", required: true, description: "URL-encoded QueryRequest JSON", schema: { type: "string" } },
          ],
          responses: { "200": ok("The query's answer in result"), ...errors },
        },
      },
      "/health": { get: { summary: "Liveness", responses: { "200": { description: "Up" } } } },
      "/ready": {
        get: {
          summary: "Readiness: the store answers and the process is not shutting down",
          responses: {
            "200": { description: "Ready for traffic" },
            "503": { description: "Not ready: draining, or the store does not answer" },
          },
        },
      },
    },
    components: {
      schemas: {
        CommandRequest: commandEnvelope,
        QueryRequest: queryEnvelope,
        SuccessResponse: {
          type: "object",
          required: ["invocationId", "result"],
          properties: { requestId: { type: "string" }, interactionId: { type: "string" }, invocationId: { type: "string" }, result: {} },
        },
        ErrorResponse: errorResponse,
        ...commands,
        ...queries,
      },
    },
  };
}

function codesFor(status: number): string {
  const codes = Object.entries(errorStatus)
    .filter(([, s]) => s === status)
    .map(([code]) => code);
  return status === errorStatus.rejected ? `Business rejection (code chosen by the handler) or ${codes.join(", ")}` : codes.join(", ");
}
