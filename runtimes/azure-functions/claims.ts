import type { Context } from "hono";

/**
 * Claims from Azure App Service Authentication ("Easy Auth"), which verifies the caller and passes
 * `x-ms-client-principal` (base64 JSON: `{ claims: [{ typ, val }], role_typ, … }`) to the function.
 * Easy Auth drops any copy a client sends, so trust this only with Easy Auth switched on:
 * `registerEdd(app, { engine, verifiedClaims: appServiceAuthClaims })`.
 */
export function appServiceAuthClaims(c: Context): Readonly<Record<string, unknown>> | undefined {
  const header = c.req.header("x-ms-client-principal");
  if (header === undefined) return undefined;
  const principal = parseJson(Buffer.from(header, "base64").toString("utf8")) as
    | { claims?: { typ?: unknown; val?: unknown }[]; role_typ?: unknown }
    | undefined;
  if (principal === undefined || !Array.isArray(principal.claims)) return undefined;
  const roleType = typeof principal.role_typ === "string" ? principal.role_typ : "roles";
  const claims: Record<string, unknown> = {};
  const roles: string[] = [];
  for (const { typ, val } of principal.claims) {
    if (typeof typ !== "string" || typeof val !== "string") continue;
    if (typ === roleType || typ === "roles") roles.push(val);
    else claims[typ] = val;
  }
  return { ...claims, roles };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
