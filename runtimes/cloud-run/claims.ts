import type { Context } from "hono";

/**
 * Claims from Cloud Endpoints / API Gateway for Cloud Run (ESPv2), which verifies the caller's JWT
 * and forwards its payload as `x-endpoint-api-userinfo` (base64url JSON). ESPv2 replaces any copy a
 * client sends, so trust this only behind it: `createCloudRunApp(engine, { verifiedClaims: endpointsUserInfoClaims })`.
 */
export function endpointsUserInfoClaims(c: Context): Readonly<Record<string, unknown>> | undefined {
  const header = c.req.header("x-endpoint-api-userinfo");
  if (header === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
