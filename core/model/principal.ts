/** Who sent a request, as established by the authenticator. The realm is the tenant every store access is scoped to. */
export interface Principal {
  readonly id: string;
  readonly realm: string;
  readonly roles: readonly string[];
  /** How it was authenticated ("jwt", "platform", "anonymous", "system", …), kept in the request log. */
  readonly authenticatedBy?: string;
}

export const anonymousPrincipal: Principal = Object.freeze({ id: "anonymous", realm: "default", roles: Object.freeze([]) });

/**
 * The role an authenticator gives a deployment's own service identity (never a person): such a
 * principal may read another realm in a dependency query (`realm` in the query envelope).
 */
export const serviceRole = "edd:service";

export function isTrustedService(principal: Principal): boolean {
  return principal.roles.includes(serviceRole);
}
