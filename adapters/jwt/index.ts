export { jwtAuthenticator, type JwtAuthenticatorOptions } from "./jwt.js";
export { bearerToken, jwtVerifier, type JwtVerification, type JwtVerifier, type JwtVerifierOptions } from "./verify.js";
export { platformClaimsAuthenticator, type PlatformClaimsOptions } from "./platform.js";
export { principalFromClaims, type ClaimMapping, type ClaimPath } from "./claims.js";
export { jwtAuthenticatorFromEnv } from "./from-env.js";
export { serverlessAuthenticatorFromEnv } from "./serverless.js";
