import type { errors, JWTPayload, JWTVerifyGetKey } from "jose";
import { loadJose } from "./sdk.js";

export interface JwtVerifierOptions {
  /** Shared secret for HMAC tokens, at least 32 bytes (48 for HS384, 64 for HS512). Give this or `jwksUrl`. */
  readonly secret?: string | Uint8Array;
  /** A key set, e.g. `https://idp.example.com/.well-known/jwks.json`; fetched and cached. */
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
}

export type JwtVerification = { readonly ok: true; readonly payload: JWTPayload } | { readonly ok: false; readonly reason: string };

/** Checks one compact JWT; refusals are values, an unreachable or broken key set throws (a fault, not the caller's). */
export type JwtVerifier = (token: string) => Promise<JwtVerification>;

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const hmacKeyBytes: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const asymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/**
 * Signature (with a pinned algorithm), issuer, audience and expiry, checked by jose. Weak settings
 * (a short secret, an algorithm the key cannot have made) throw here, at construction.
 */
export function jwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const { secret, algorithms } = verificationKey(options);
  let keySet: JWTVerifyGetKey | undefined;
  const verifyOptions = {
    issuer: [options.issuer].flat(),
    audience: [options.audience].flat(),
    algorithms,
    ...(options.requireExpiry === false ? {} : { requiredClaims: ["exp"] }),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
  };
  return async (token) => {
    const jose = await loadJose();
    if (secret === undefined) keySet ??= jose.createRemoteJWKSet(new URL(options.jwksUrl as string | URL));
    const key = secret ?? (keySet as JWTVerifyGetKey);
    try {
      return { ok: true, payload: (await jose.jwtVerify(token, key, verifyOptions)).payload };
    } catch (error) {
      if (isKeySetFault(jose.errors, error) || !(error instanceof jose.errors.JOSEError)) throw error;
      return { ok: false, reason: refusalReason(jose.errors, error) };
    }
  };
}

/** The token of `Authorization: Bearer <token>`, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Checks the settings; the secret as bytes, or undefined for a key set (made on first use). */
function verificationKey(options: JwtVerifierOptions): { secret: Uint8Array | undefined; algorithms: string[] } {
  if ((options.secret === undefined) === (options.jwksUrl === undefined)) {
    throw new Error("A JWT verifier needs exactly one of `secret` or `jwksUrl`.");
  }
  if (options.algorithms !== undefined && options.algorithms.length === 0) {
    throw new Error("A JWT verifier's `algorithms` must name at least one algorithm.");
  }
  if (options.secret !== undefined) {
    const key = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    const algorithms = [...(options.algorithms ?? ["HS256"])];
    for (const algorithm of algorithms) {
      const minimum = hmacKeyBytes[algorithm];
      if (minimum === undefined) throw new Error(`A JWT secret verifies HMAC tokens only, not ${algorithm}.`);
      if (key.byteLength < minimum) {
        throw new Error(`The ${algorithm} secret is ${key.byteLength} bytes; it needs at least ${minimum} bytes.`);
      }
    }
    return { secret: key, algorithms };
  }
  const algorithms = [...(options.algorithms ?? asymmetricAlgorithms)];
  for (const algorithm of algorithms) {
    if (!asymmetricAlgorithms.includes(algorithm)) throw new Error(`A JWT key set verifies public-key tokens only, not ${algorithm}.`);
  }
  return { secret: undefined, algorithms };
}

function isKeySetFault(errors: Errors, error: unknown): boolean {
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
}

type Errors = typeof errors;

function refusalReason(errors: Errors, error: InstanceType<Errors["JOSEError"]>): string {
  if (error instanceof errors.JWTExpired) return "it has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not acceptable (${error.reason}).`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "it is signed with an algorithm that is not accepted.";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return "its signature does not match a trusted key.";
  }
  return "it is malformed or uses an algorithm that is not accepted.";
}
