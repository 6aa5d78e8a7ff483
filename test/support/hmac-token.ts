import { SignJWT } from "jose";

/** An HS256 token for user "ana" of realm "default", valid five minutes: what an identity provider would issue. */
export function hmacToken(secret: string, issuer = "https://idp.test", audience = "bank"): Promise<string> {
  return new SignJWT({ realm: "default", roles: [] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("ana")
    .setIssuer(issuer)
    .setAudience(audience)
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(secret));
}
