/** Who sent a request, as established by the authenticator. The realm is the tenant every store access is scoped to. */
export interface Principal {
  readonly id: string;
  readonly realm: string;
  readonly roles: readonly string[];
}

export const anonymousPrincipal: Principal = Object.freeze({ id: "anonymous", realm: "default", roles: Object.freeze([]) });
