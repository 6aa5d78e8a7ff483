import { anonymousPrincipal } from "../../core/model/principal.js";
import type { Authenticator } from "../../core/ports/auth.js";
import { type ClaimMapping, principalFromClaims } from "./claims.js";

export interface PlatformClaimsOptions extends ClaimMapping {
  /** Requests the platform passed without claims run as the anonymous principal instead of getting 401. */
  readonly allowAnonymous?: boolean;
}

/**
 * Trusts claims a platform already verified (an API Gateway JWT authorizer, Azure App Service
 * authentication, Cloud Run behind IAP) and passed as `AuthInput.verifiedClaims`. Runtimes set
 * that field only from the platform's own context, never from request headers, so use this only
 * behind such an authorizer; anywhere else use `jwtAuthenticator`.
 */
export function platformClaimsAuthenticator(options: PlatformClaimsOptions = {}): Authenticator {
  return async (input) => {
    if (input.verifiedClaims === undefined) {
      if (options.allowAnonymous) return { ok: true, principal: anonymousPrincipal };
      return { ok: false, code: "unauthenticated", message: "No verified claims: is the platform authorizer configured for this route?" };
    }
    return principalFromClaims(input.verifiedClaims, options, "platform");
  };
}
