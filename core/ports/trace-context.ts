/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` value that carries
 * a trace across a hop, `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`, and the
 * `tracestate` beside it (vendors' `key=value` list, carried unchanged).
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
/** The vendor-specific companion of `traceparent`, under the same name on every hop. */
export const tracestateKey = "tracestate";

/** The trace context one hop carries: `tracestate` only ever beside a well-formed `traceparent`. */
export interface TraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

// W3C list-member: a simple key or tenant@system, then a value of printable ASCII without "," and "=".
const tracestateMember =
  /^(?:[a-z][_0-9a-z*/-]{0,255}|[a-z0-9][_0-9a-z*/-]{0,240}@[a-z][_0-9a-z*/-]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const maxTracestateMembers = 32;
const maxTracestateLength = 512;

/**
 * Reads a tracestate: at most 32 list members with distinct keys and 512 characters, empty members
 * and the blanks around members dropped. Anything malformed is no state at all, as the spec asks.
 */
export function parseTracestate(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > maxTracestateLength) return undefined;
  const members = value
    .split(",")
    .map((member) => member.replace(/^[ \t]+|[ \t]+$/g, ""))
    .filter((member) => member !== "");
  if (members.length === 0 || members.length > maxTracestateMembers) return undefined;
  const keys = new Set<string>();
  for (const member of members) {
    if (!tracestateMember.test(member)) return undefined;
    const key = member.slice(0, member.indexOf("="));
    if (keys.has(key)) return undefined;
    keys.add(key);
  }
  return members.join(",");
}

/** A received pair as message fields: the traceparent when well formed, its tracestate only with it and when well formed. */
export function traceContextOf(traceparent: unknown, tracestate?: unknown): TraceContext {
  if (parseTraceparent(traceparent) === undefined) return {};
  const state = parseTracestate(tracestate);
  return { traceparent: (traceparent as string).trim(), ...(state === undefined ? {} : { tracestate: state }) };
}

/** The context as string attributes or headers, under the W3C names: tracestate only beside a traceparent. */
export function traceAttributes(context: TraceContext): Record<string, string> {
  if (context.traceparent === undefined) return {};
  return {
    [traceparentKey]: context.traceparent,
    ...(context.tracestate === undefined ? {} : { [tracestateKey]: context.tracestate }),
  };
}
