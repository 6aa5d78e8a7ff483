import * as z from "zod";

/** The wire format of `POST /command` and of every queued command message. */
export const commandEntrySchema = z
  .object({
    service: z.string().min(1).optional().describe("Owning service; needed only when two hosted services share a command name"),
    command: z.string().min(1).describe("Command name, e.g. OpenAccount"),
    aggregateId: z.string().min(1).max(200).describe("The one aggregate this command changes"),
    attributes: z.record(z.string(), z.unknown()).default({}).describe("Command attributes, validated by the command's schema"),
    expectedVersion: z.number().int().min(0).optional().describe("Reject with version-mismatch unless the aggregate is at this version"),
  })
  .strict();

export const commandRequestSchema = z
  .object({
    requestId: z.uuid().describe("Client-chosen idempotency key: resending it returns the stored response"),
    interactionId: z.uuid().describe("Groups the requests of one user session"),
    breadcrumbs: z
      .array(z.number().int().min(0))
      .min(1)
      .optional()
      .describe("Set by effects and queue consumers only; a client leaves it out (it means [0])"),
    meta: z.record(z.string(), z.unknown()).optional().describe("Free-form, stored with the request; `cause` is set by effects only"),
    commands: z.array(commandEntrySchema).min(1).max(100),
  })
  .strict();

export const queryRequestSchema = z
  .object({
    requestId: z.uuid().optional(),
    interactionId: z.uuid().optional(),
    breadcrumbs: z.array(z.number().int().min(0)).min(1).optional().describe("Trace context of a dependency query"),
    realm: z.string().min(1).optional().describe("Realm to read; another than the caller's own only for a trusted service principal"),
    meta: z.record(z.string(), z.unknown()).optional(),
    query: z
      .object({
        service: z.string().min(1).optional(),
        query: z.string().min(1).describe("Query name, e.g. GetAccount"),
        attributes: z.record(z.string(), z.unknown()).default({}),
      })
      .strict(),
  })
  .strict();

export type CommandRequest = z.infer<typeof commandRequestSchema>;
export type CommandEntry = z.infer<typeof commandEntrySchema>;
export type QueryRequest = z.infer<typeof queryRequestSchema>;

/** zod issues, shortened to what a client needs to fix its request. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}
