import { anonymousPrincipal } from "../../core/model/principal.js";
import type { Authenticator } from "../../core/ports/auth.js";
import { type ClaimMapping, principalFromClaims } from "./claims.js";
import { bearerToken, type JwtVerifierOptions, jwtVerifier } from "./verify.js";

export interface JwtAuthenticatorOptions extends ClaimMapping, JwtVerifierOptions {
  /** Requests without a token run as the anonymous principal instead of getting 401. */
  readonly allowAnonymous?: boolean;
}

/**
 * Verifies `Authorization: Bearer <JWT>` (signature, pinned algorithm, issuer, audience, expiry; see
 * verify.ts) and maps its claims to a principal. A bad token answers 401; an unreachable key set is a
 * fault and throws (500). Weak settings throw at construction.
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const verify = jwtVerifier(options);
  return async (input) => {
    const token = bearerToken(input.headers.authorization);
    if (token === undefined) {
      if (options.allowAnonymous) return { ok: true, principal: anonymousPrincipal };
      return { ok: false, code: "unauthenticated", message: "Send a token: Authorization: Bearer <JWT>." };
    }
    const verified = await verify(token);
    if (!verified.ok) return { ok: false, code: "unauthenticated", message: `The token was refused: ${verified.reason}` };
    return principalFromClaims(verified.payload, options, "jwt");
  };
}
