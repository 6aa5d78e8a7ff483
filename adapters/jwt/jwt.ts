import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { anonymousPrincipal } from "../../core/model/principal.js";
import type { Authenticator } from "../../core/ports/auth.js";
import { type ClaimMapping, principalFromClaims } from "./claims.js";

export interface JwtAuthenticatorOptions extends ClaimMapping {
  /** Shared secret for HS256/384/512 tokens. Give this or `jwksUrl`. */
  readonly secret?: string | Uint8Array;
  /** The identity provider's key set, e.g. `https://idp.example.com/.well-known/jwks.json`; fetched and cached. */
  readonly jwksUrl?: string | URL;
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  /** Seconds of clock skew tolerated on `exp` and `nbf` (default 0). */
  readonly clockTolerance?: number;
  /** Accepted signing algorithms; by default whatever the key allows. */
  readonly algorithms?: readonly string[];
  /** Requests without a token run as the anonymous principal instead of getting 401. */
  readonly allowAnonymous?: boolean;
}

/**
 * Verifies `Authorization: Bearer <JWT>` (signature, issuer, audience, expiry) and maps its claims
 * to a principal. A bad token answers 401; an unreachable key set is a fault and throws (500).
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const key = verificationKey(options);
  const verifyOptions = {
    issuer: [options.issuer].flat(),
    audience: [options.audience].flat(),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    ...(options.algorithms === undefined ? {} : { algorithms: [...options.algorithms] }),
  };
  return async (input) => {
    const token = bearerToken(input.headers.authorization);
    if (token === undefined) {
      if (options.allowAnonymous) return { ok: true, principal: anonymousPrincipal };
      return { ok: false, code: "unauthenticated", message: "Send a token: Authorization: Bearer <JWT>." };
    }
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      return principalFromClaims(payload, options);
    } catch (error) {
      if (isKeySetFault(error) || !(error instanceof errors.JOSEError)) throw error;
      return { ok: false, code: "unauthenticated", message: `The token was refused: ${refusalReason(error)}` };
    }
  };
}

function verificationKey(options: JwtAuthenticatorOptions): Uint8Array | JWTVerifyGetKey {
  if ((options.secret === undefined) === (options.jwksUrl === undefined)) {
    throw new Error("jwtAuthenticator needs exactly one of `secret` or `jwksUrl`.");
  }
  if (options.secret !== undefined) {
    return typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
  }
  return createRemoteJWKSet(new URL(options.jwksUrl as string | URL));
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isKeySetFault(error: unknown): boolean {
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
}

function refusalReason(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return "it has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not acceptable (${error.reason}).`;
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return "its signature does not match a trusted key.";
  }
  return "it is malformed or uses an algorithm that is not accepted.";
}
