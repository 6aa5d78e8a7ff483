import type { Context } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import type { AuthResult } from "../../core/ports/auth.js";

/** Claims the platform already verified (an API Gateway authorizer, say), read from the request's environment. */
export type ClaimsSource = (c: Context) => Readonly<Record<string, unknown>> | undefined;

/** Every header (lower-case names) and the platform's verified claims, handed to the engine's authenticator. */
export function authenticateRequest(engine: Engine, c: Context, verifiedClaims?: ClaimsSource): Promise<AuthResult> {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const claims = verifiedClaims?.(c);
  return engine.authenticate(claims === undefined ? { headers } : { headers, verifiedClaims: claims });
}

/** Which claims source an app from createHttpApp was given, so routes mounted on it (the explorer) use the same. */
const claimsSources = new WeakMap<object, ClaimsSource>();

export function rememberClaimsSource(app: object, source: ClaimsSource | undefined): void {
  if (source !== undefined) claimsSources.set(app, source);
}

export function claimsSourceOf(app: object): ClaimsSource | undefined {
  return claimsSources.get(app);
}
