/** A business outcome that says "no". It is a value, never an exception. */
export interface Rejection {
  readonly rejected: true;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export function reject(code: string, message: string, details?: unknown): Rejection {
  return details === undefined ? { rejected: true, code, message } : { rejected: true, code, message, details };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === "object" && value !== null && (value as { rejected?: unknown }).rejected === true;
}
