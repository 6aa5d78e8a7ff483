import type { Context, MiddlewareHandler } from "hono";
import type { Principal } from "../../core/model/principal.js";
import type { Engine } from "../../core/pipeline/engine.js";
import { authenticateRequest, type ClaimsSource } from "../http/authenticate.js";
import { directLoopbackPeer, hostName, loopbackHostNames } from "../shared/loopback.js";
import { defaultOperatorRole, type ExplorerOptions } from "./options.js";

/** Who is looking, and at which realm: set on every explorer request by `operatorAccess`. */
export interface OperatorView {
  readonly principal: Principal;
  /** Realms this operator may inspect, never empty. */
  readonly realms: readonly string[];
  /** The realm the page shows: `?realm=` when allowed, else the first allowed realm. */
  readonly realm: string;
}

export type ExplorerEnv = { Variables: { operator: OperatorView } };

export type AccessRefusal = { readonly status: 401 | 403; readonly message: string };

/**
 * Authenticates every request with the engine's authenticator and requires the operator role.
 * Refusals are rendered by `refuse`, so this file decides who gets in and nothing about HTML.
 */
export function operatorAccess(
  options: Pick<ExplorerOptions, "engine" | "requireRole" | "allowAnonymousOperator" | "realmsFor" | "verifiedClaims">,
  refuse: (refusal: AccessRefusal) => Response,
): MiddlewareHandler<ExplorerEnv> {
  const role = options.requireRole ?? defaultOperatorRole;
  return async (c, next) => {
    const found = options.allowAnonymousOperator
      ? anonymousOperator(c, role)
      : await authenticatedOperator(options.engine, c, role, options.verifiedClaims);
    if (!found.ok) return refuse(found.refusal);
    const realms = options.realmsFor?.(found.principal) ?? [found.principal.realm];
    const [first] = realms;
    if (first === undefined) return refuse({ status: 403, message: "No realm is open to you in the explorer." });
    const asked = c.req.query("realm");
    if (asked !== undefined && !realms.includes(asked)) {
      return refuse({ status: 403, message: `Realm "${asked}" is not open to you.` });
    }
    c.set("operator", { principal: found.principal, realms, realm: asked ?? first });
    await next();
  };
}

type Found = { ok: true; principal: Principal } | { ok: false; refusal: AccessRefusal };

async function authenticatedOperator(engine: Engine, c: Context, role: string, verifiedClaims: ClaimsSource | undefined): Promise<Found> {
  const auth = await authenticateRequest(engine, c, verifiedClaims);
  if (!auth.ok) return { ok: false, refusal: { status: auth.code === "forbidden" ? 403 : 401, message: auth.message } };
  if (!auth.principal.roles.includes(role)) {
    return { ok: false, refusal: { status: 403, message: `The audit explorer needs the role "${role}".` } };
  }
  return { ok: true, principal: auth.principal };
}

/**
 * Only someone at this machine: a loopback Host (a page that rebinds its DNS name to 127.0.0.1
 * still sends its own name) and a loopback peer that no proxy stands in front of (a local nginx
 * would otherwise hand the whole network the operator's pages).
 */
function anonymousOperator(c: Context, role: string): Found {
  const name = hostName(c.req.header("host"));
  if (name === undefined || !loopbackHostNames.includes(name)) {
    return { ok: false, refusal: { status: 403, message: "Anonymous operator access is served on localhost only." } };
  }
  const local = directLoopbackPeer(c);
  if (!local.ok)
    return { ok: false, refusal: { status: 403, message: `Anonymous operator access is for this machine only: ${local.reason}.` } };
  return { ok: true, principal: { id: "local-operator", realm: "default", roles: [role] } };
}
