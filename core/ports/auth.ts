import type { Principal } from "../model/principal.js";
import { anonymousPrincipal } from "../model/principal.js";

/** What an authenticator sees of a request: lower-case header names. */
export interface AuthInput {
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Claims a platform already verified (API Gateway, Azure, Cloud Run authorizers). */
  readonly verifiedClaims?: Readonly<Record<string, unknown>>;
}

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: "unauthenticated" | "forbidden"; readonly message: string };

export type Authenticator = (input: AuthInput) => Promise<AuthResult>;

/** The default: everybody is the anonymous user of the default realm. */
export const anonymousAuthenticator: Authenticator = async () => ({ ok: true, principal: anonymousPrincipal });
