import { jwtAuthenticatorFromEnv } from "./from-env.js";
import { platformClaimsAuthenticator } from "./platform.js";
import type { Authenticator } from "../../core/ports/auth.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The authenticator a serverless entry serves with, from the environment, checked before any store
 * opens. A function URL, an HTTP trigger or a Cloud Run service is reachable from the network by
 * design, so there is no loopback to fall back on: without an authenticator the entry refuses to
 * start unless `EDD_ANONYMOUS` says, explicitly, that anonymous access is meant.
 *
 * - `EDD_JWT_SECRET` or `EDD_JWT_JWKS_URL` (with `EDD_JWT_ISSUER`, `EDD_JWT_AUDIENCE`, …, as for `edd serve`):
 *   edd verifies the bearer token itself.
 * - `EDD_PLATFORM_CLAIMS=1`: trust the claims the platform verified (an API Gateway JWT authorizer,
 *   Azure App Service authentication, ESPv2), mapped with `EDD_JWT_REALM_CLAIM`, `…_ROLES_CLAIM`, `…_SUBJECT_CLAIM`.
 * - `EDD_ANONYMOUS=local` (or `1`): no authenticator, everyone is the anonymous principal. For local runs and tests.
 */
export function serverlessAuthenticatorFromEnv(env: Env): Authenticator | undefined {
  const anonymous = (env.EDD_ANONYMOUS ?? "").trim();
  if (!["", "0", "1", "local"].includes(anonymous))
    throw new Error('EDD_ANONYMOUS takes "local" (or 1) to serve without an authenticator.');
  const platform = (env.EDD_PLATFORM_CLAIMS ?? "").trim();
  if (!["", "0", "1"].includes(platform)) throw new Error("EDD_PLATFORM_CLAIMS takes 1 (trust the platform's verified claims) or nothing.");
  const jwt = jwtAuthenticatorFromEnv(env);
  if (jwt !== undefined && platform === "1") throw new Error("Set EDD_JWT_* or EDD_PLATFORM_CLAIMS=1, not both.");
  if (jwt !== undefined) return jwt;
  if (platform === "1") return platformClaimsAuthenticator(claimMapping(env));
  if (anonymous === "1" || anonymous === "local") return undefined;
  throw new Error(
    "Refusing to start without an authenticator: set EDD_JWT_SECRET or EDD_JWT_JWKS_URL (with EDD_JWT_ISSUER and EDD_JWT_AUDIENCE), " +
      "or EDD_PLATFORM_CLAIMS=1 behind a platform authorizer, or EDD_ANONYMOUS=local for a local run.",
  );
}

function claimMapping(env: Env): { realmClaim?: string; rolesClaim?: string; subjectClaim?: string; defaultRealm?: string } {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const mapping: Record<string, string> = {};
  for (const [key, name] of [
    ["realmClaim", "EDD_JWT_REALM_CLAIM"],
    ["rolesClaim", "EDD_JWT_ROLES_CLAIM"],
    ["subjectClaim", "EDD_JWT_SUBJECT_CLAIM"],
    ["defaultRealm", "EDD_JWT_DEFAULT_REALM"],
  ] as const) {
    const value = read(name);
    if (value !== undefined) mapping[key] = value;
  }
  return mapping;
}
