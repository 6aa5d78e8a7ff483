import type { ErrorBody } from "./errors.js";
import { EddError } from "./errors.js";
import { classifyFailure } from "./failures.js";

/** Ids every response carries, so a client can quote them to an operator. */
export interface ResponseIds {
  readonly requestId?: string;
  readonly interactionId?: string;
  readonly invocationId: string;
}

export type ResponseBody = ResponseIds & ({ readonly result: unknown } | { readonly error: ErrorBody });

/** What every runtime turns into its native response: an HTTP status and a JSON body. */
export interface DispatchResult {
  readonly status: number;
  readonly body: ResponseBody;
}

export function success(ids: ResponseIds, result: unknown, status = 200): DispatchResult {
  return { status, body: { ...ids, result } };
}

export function failure(ids: ResponseIds, error: EddError): DispatchResult {
  return { status: error.status, body: { ...ids, error: error.toBody() } };
}

/** Ids taken from input that may not have passed validation: only strings are echoed back. */
export function idsFrom(input: unknown, invocationId: string): ResponseIds {
  const record = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  const pick = (key: string) => (typeof record[key] === "string" ? (record[key] as string).slice(0, 100) : undefined);
  const ids: { requestId?: string; interactionId?: string; invocationId: string } = { invocationId };
  const requestId = pick("requestId");
  const interactionId = pick("interactionId");
  if (requestId !== undefined) ids.requestId = requestId;
  if (interactionId !== undefined) ids.interactionId = interactionId;
  return ids;
}

export function internalError(invocationId: string): EddError {
  return new EddError("internal-error", `Internal error. Quote invocation id ${invocationId} to an operator.`);
}

/**
 * Whether a message from the trusted path that got this answer may succeed if sent again
 * unchanged: the failure table in failures.ts (faults and write conflicts may; an identity taken,
 * a version mismatch on an ordered path or a request id reused for another request never will).
 */
export function isTransient(result: DispatchResult): boolean {
  return classifyFailure(result) === "transient";
}
