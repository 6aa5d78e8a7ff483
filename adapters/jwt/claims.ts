import type { AuthResult } from "../../core/ports/auth.js";

/** A claim name, or a path into nested claims such as Keycloak's `["realm_access", "roles"]`. */
export type ClaimPath = string | readonly string[];

/** How verified claims become a principal; shared by the JWT and the platform authenticators. */
export interface ClaimMapping {
  /** The claim naming the tenant every store access is scoped to (default `realm`). */
  readonly realmClaim?: ClaimPath;
  /** Roles as a string array or a space-separated string, like OAuth scopes (default `roles`). */
  readonly rolesClaim?: ClaimPath;
  /** Default `sub`. */
  readonly subjectClaim?: ClaimPath;
  /** Realm for tokens without a realm claim; without it such tokens are refused, never put in a shared realm. */
  readonly defaultRealm?: string;
}

export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  mapping: ClaimMapping,
  /** How the claims were verified, for the request log: "jwt" or "platform". */
  authenticatedBy?: string,
): AuthResult {
  const subject = readClaim(claims, mapping.subjectClaim ?? "sub");
  if (typeof subject !== "string" || subject === "") {
    return { ok: false, code: "unauthenticated", message: `The token has no subject claim (${describe(mapping.subjectClaim ?? "sub")}).` };
  }
  const realm = readClaim(claims, mapping.realmClaim ?? "realm") ?? mapping.defaultRealm;
  if (typeof realm !== "string" || realm === "") {
    return {
      ok: false,
      code: "forbidden",
      message: `The token has no realm claim (${describe(mapping.realmClaim ?? "realm")}); ask the identity provider to add it.`,
    };
  }
  const roles = rolesFrom(readClaim(claims, mapping.rolesClaim ?? "roles"));
  return { ok: true, principal: { id: subject, realm, roles, ...(authenticatedBy === undefined ? {} : { authenticatedBy }) } };
}

function readClaim(claims: Readonly<Record<string, unknown>>, path: ClaimPath): unknown {
  // A plain string is one claim name even with dots in it: namespaced claims are URLs.
  const steps = typeof path === "string" ? [path] : path;
  let value: unknown = claims;
  for (const step of steps) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function rolesFrom(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter((role) => role !== "");
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === "string");
  return [];
}

function describe(path: ClaimPath): string {
  return typeof path === "string" ? path : path.join(".");
}
