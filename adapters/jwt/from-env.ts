import type { Authenticator } from "../../core/ports/auth.js";
import type { ClaimPath } from "./claims.js";
import { type JwtAuthenticatorOptions, jwtAuthenticator } from "./jwt.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A JWT authenticator from environment variables, or undefined when neither `EDD_JWT_SECRET` nor
 * `EDD_JWT_JWKS_URL` is set. Incomplete or weak settings throw, so a process refuses to start
 * rather than serve with half an authenticator. The variables are listed in docs/auth.md.
 */
export function jwtAuthenticatorFromEnv(env: Env): Authenticator | undefined {
  const read = (name: string) => (env[name] === undefined || env[name]?.trim() === "" ? undefined : env[name]?.trim());
  const secret = read("EDD_JWT_SECRET");
  const jwksUrl = read("EDD_JWT_JWKS_URL");
  if (secret === undefined && jwksUrl === undefined) return undefined;
  const issuer = read("EDD_JWT_ISSUER");
  const audience = read("EDD_JWT_AUDIENCE");
  if (issuer === undefined || audience === undefined) {
    throw new Error("EDD_JWT_SECRET or EDD_JWT_JWKS_URL needs EDD_JWT_ISSUER and EDD_JWT_AUDIENCE as well.");
  }
  const list = (value: string) => value.split(",").map((item) => item.trim());
  const optional = <K extends keyof JwtAuthenticatorOptions>(key: K, value: JwtAuthenticatorOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  const algorithms = read("EDD_JWT_ALGORITHMS");
  const tolerance = read("EDD_JWT_CLOCK_TOLERANCE");
  if (tolerance !== undefined && !/^\d+$/.test(tolerance)) throw new Error("EDD_JWT_CLOCK_TOLERANCE is a number of seconds.");
  return jwtAuthenticator({
    ...(secret === undefined ? { jwksUrl: jwksUrl as string } : { secret }),
    issuer: list(issuer),
    audience: list(audience),
    ...optional("algorithms", algorithms === undefined ? undefined : list(algorithms)),
    ...optional("clockTolerance", tolerance === undefined ? undefined : Number(tolerance)),
    ...optional("realmClaim", claimPath("EDD_JWT_REALM_CLAIM", read("EDD_JWT_REALM_CLAIM"))),
    ...optional("rolesClaim", claimPath("EDD_JWT_ROLES_CLAIM", read("EDD_JWT_ROLES_CLAIM"))),
    ...optional("subjectClaim", claimPath("EDD_JWT_SUBJECT_CLAIM", read("EDD_JWT_SUBJECT_CLAIM"))),
    ...optional("defaultRealm", read("EDD_JWT_DEFAULT_REALM")),
  });
}

/** One claim name (dots included: namespaced claims are URLs), or a JSON array for a nested path. */
function claimPath(name: string, value: string | undefined): ClaimPath | undefined {
  if (value === undefined || !value.startsWith("[")) return value;
  let path: unknown;
  try {
    path = JSON.parse(value);
  } catch {
    path = undefined;
  }
  if (!Array.isArray(path) || path.length === 0 || !path.every((step) => typeof step === "string")) {
    throw new Error(`${name} is a claim name or a JSON array of names, such as ["realm_access","roles"].`);
  }
  return path;
}
