/**
 * Every error a client can get, with the HTTP status that tells it what to do:
 * 4xx means "change the request", 409 "retry may help", 5xx "our fault, retry later".
 */
export const errorStatus = {
  "malformed-json": 400,
  "invalid-envelope": 400,
  "invalid-command": 400,
  "invalid-query": 400,
  "ambiguous-command": 400,
  "ambiguous-query": 400,
  "invalid-principal": 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  "unknown-command": 404,
  "unknown-query": 404,
  "method-not-allowed": 405,
  conflict: 409,
  "version-mismatch": 409,
  "identity-conflict": 409,
  "idempotency-key-reused": 409,
  /** Personal data of a data subject erased by `edd forget` cannot be stored again. */
  "subject-forgotten": 410,
  "payload-too-large": 413,
  rejected: 422,
  "effect-depth-exceeded": 422,
  "dependency-failed": 502,
  "internal-error": 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** An error the pipeline answers with instead of throwing past the runtime. */
export class EddError extends Error {
  override readonly name = "EddError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
