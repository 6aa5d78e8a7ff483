export { jwtAuthenticator, type JwtAuthenticatorOptions } from "./jwt.js";
export { platformClaimsAuthenticator, type PlatformClaimsOptions } from "./platform.js";
export { principalFromClaims, type ClaimMapping, type ClaimPath } from "./claims.js";
