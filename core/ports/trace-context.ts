/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` value that carries
 * a trace across a hop, `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`.
 */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** Bit 0 set: the caller sampled this trace. */
  readonly flags: number;
}

const format = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * Reads a traceparent; anything malformed (or all-zero ids, or version ff) is no context at all,
 * so a bad header or attribute starts a new trace instead of failing the request.
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const match = format.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The attribute, header and `meta` key every hop uses. */
export const traceparentKey = "traceparent";

/** A received attribute as a message field: present only when it is a well-formed traceparent. */
export function traceparentOf(value: unknown): { traceparent?: string } {
  return parseTraceparent(value) === undefined ? {} : { traceparent: (value as string).trim() };
}
