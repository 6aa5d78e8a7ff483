import { jwtAuthenticatorFromEnv } from "../../adapters/jwt/from-env.js";
import type { Authenticator } from "../../core/ports/auth.js";
import { assertCorsOrigins } from "../http/cors.js";
import { checkAnonymousExposure } from "./exposure.js";
import type { NodeServerOptions } from "./serve.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What one process does (EDD_ROLE): `all` (default) serves the API and runs the outbox relay and the
 * projections; `api` only serves, for replicas behind a load balancer; `worker` runs the relay and
 * the projections (serving only so probes reach it), as its own deployment.
 */
export type ProcessRole = "all" | "api" | "worker";

const roles: readonly ProcessRole[] = ["all", "api", "worker"];

/** What `npm start` and `edd serve` take from the environment, checked before any store opens. */
export interface ServeSettings {
  /** From EDD_JWT_* (docs/auth.md); undefined means everyone is anonymous. */
  readonly authenticator?: Authenticator;
  readonly role: ProcessRole;
  /** Whether this process runs the background work: the relay (already in `server`) and the projections. */
  readonly runsWorkers: boolean;
  readonly server: Pick<NodeServerOptions, "cors" | "allowedHosts" | "allowAnonymousOnNetwork" | "relay"> & { readonly hostname: string };
}

/**
 * HOST (default 127.0.0.1), EDD_JWT_*, EDD_CORS_ORIGINS and EDD_ALLOWED_HOSTS (comma-separated),
 * EDD_ANONYMOUS=1, EDD_ROLE. Throws when the settings are incomplete, or when they would serve an anonymous
 * API on a non-loopback address without EDD_ANONYMOUS=1: the process then refuses to start.
 */
export function serveSettingsFromEnv(env: Env, hostname = env.HOST || "127.0.0.1"): ServeSettings {
  const authenticator = jwtAuthenticatorFromEnv(env);
  const anonymousFlag = env.EDD_ANONYMOUS ?? "";
  if (!["", "0", "1"].includes(anonymousFlag))
    throw new Error("EDD_ANONYMOUS is 1 (serve without an authenticator on any address) or unset.");
  const allowAnonymousOnNetwork = anonymousFlag === "1";
  if (authenticator === undefined) checkAnonymousExposure(hostname, allowAnonymousOnNetwork);
  const origins = list(env.EDD_CORS_ORIGINS);
  assertCorsOrigins(origins ?? []);
  const allowedHosts = list(env.EDD_ALLOWED_HOSTS);
  const role = env.EDD_ROLE || "all";
  if (!isRole(role)) throw new Error(`EDD_ROLE is one of ${roles.join(", ")} (got "${role}").`);
  return {
    ...(authenticator === undefined ? {} : { authenticator }),
    role,
    runsWorkers: role !== "api",
    server: {
      hostname,
      ...(role === "api" ? { relay: false } : {}),
      allowAnonymousOnNetwork,
      ...(origins === undefined ? {} : { cors: { origins } }),
      ...(allowedHosts === undefined ? {} : { allowedHosts }),
    },
  };
}

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length === 0 ? undefined : items;
}

function isRole(value: string): value is ProcessRole {
  return (roles as readonly string[]).includes(value);
}
