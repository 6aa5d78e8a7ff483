import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { anonymousPrincipal } from "../../core/model/principal.js";
import type { Authenticator } from "../../core/ports/auth.js";
import { type ClaimMapping, principalFromClaims } from "./claims.js";

export interface JwtAuthenticatorOptions extends ClaimMapping {
  /** Shared secret for HMAC tokens, at least 32 bytes (48 for HS384, 64 for HS512). Give this or `jwksUrl`. */
  readonly secret?: string | Uint8Array;
  /** The identity provider's key set, e.g. `https://idp.example.com/.well-known/jwks.json`; fetched and cached. */
  readonly jwksUrl?: string | URL;
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  /** Seconds of clock skew tolerated on `exp` and `nbf` (default 0). */
  readonly clockTolerance?: number;
  /**
   * Accepted signing algorithms, always pinned: by default `["HS256"]` with a secret and the
   * asymmetric algorithms jose supports with a key set. Algorithms that do not fit the key throw.
   */
  readonly algorithms?: readonly string[];
  /** Tokens must carry `exp` (default true): a token without one would be valid forever once leaked. */
  readonly requireExpiry?: boolean;
  /** Requests without a token run as the anonymous principal instead of getting 401. */
  readonly allowAnonymous?: boolean;
}

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const hmacKeyBytes: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const asymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/**
 * Verifies `Authorization: Bearer <JWT>` (signature, pinned algorithm, issuer, audience, expiry) and
 * maps its claims to a principal. A bad token answers 401; an unreachable key set is a fault and throws (500).
 * Weak settings (a short secret, an algorithm the key cannot have made) throw here, at construction.
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const { key, algorithms } = verificationKey(options);
  const verifyOptions = {
    issuer: [options.issuer].flat(),
    audience: [options.audience].flat(),
    algorithms,
    ...(options.requireExpiry === false ? {} : { requiredClaims: ["exp"] }),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
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

function verificationKey(options: JwtAuthenticatorOptions): { key: Uint8Array | JWTVerifyGetKey; algorithms: string[] } {
  if ((options.secret === undefined) === (options.jwksUrl === undefined)) {
    throw new Error("jwtAuthenticator needs exactly one of `secret` or `jwksUrl`.");
  }
  if (options.algorithms !== undefined && options.algorithms.length === 0) {
    throw new Error("jwtAuthenticator: `algorithms` must name at least one algorithm.");
  }
  if (options.secret !== undefined) {
    const key = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    const algorithms = [...(options.algorithms ?? ["HS256"])];
    for (const algorithm of algorithms) {
      const minimum = hmacKeyBytes[algorithm];
      if (minimum === undefined) throw new Error(`jwtAuthenticator: a secret verifies HMAC tokens only, not ${algorithm}.`);
      if (key.byteLength < minimum) {
        throw new Error(`jwtAuthenticator: the ${algorithm} secret is ${key.byteLength} bytes; it needs at least ${minimum} bytes.`);
      }
    }
    return { key, algorithms };
  }
  const algorithms = [...(options.algorithms ?? asymmetricAlgorithms)];
  for (const algorithm of algorithms) {
    if (!asymmetricAlgorithms.includes(algorithm))
      throw new Error(`jwtAuthenticator: a key set verifies public-key tokens only, not ${algorithm}.`);
  }
  return { key: createRemoteJWKSet(new URL(options.jwksUrl as string | URL)), algorithms };
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
  if (error instanceof errors.JOSEAlgNotAllowed) return "it is signed with an algorithm that is not accepted.";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return "its signature does not match a trusted key.";
  }
  return "it is malformed or uses an algorithm that is not accepted.";
}
