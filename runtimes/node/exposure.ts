import type { Logger } from "../../core/ports/logger.js";
import { isLoopbackHost } from "../shared/loopback.js";

/**
 * Fail closed: without an authenticator everyone is the anonymous principal and may run every
 * command. On a loopback hostname that is this machine only ("local"); on any other address it is
 * refused unless the operator said the network is trusted ("network"). Throws the refusal.
 */
export function checkAnonymousExposure(hostname: string, allowAnonymousOnNetwork: boolean): "local" | "network" {
  if (isLoopbackHost(hostname)) return "local";
  if (!allowAnonymousOnNetwork) {
    throw new Error(
      `Refusing to serve on ${hostname} without an authenticator: anyone who reaches it could run every command. ` +
        "Configure an authenticator (EDD_JWT_SECRET or EDD_JWT_JWKS_URL, see docs/auth.md), listen on 127.0.0.1, " +
        "or, on a network you trust, set EDD_ANONYMOUS=1 (allowAnonymousOnNetwork).",
    );
  }
  return "network";
}

/** Said loudly, at start: an anonymous write API on the network is a decision someone must see. */
export function warnAnonymousOnNetwork(hostname: string, logger: Logger): void {
  logger.warn("ANONYMOUS API ON THE NETWORK: no authenticator, anyone who reaches this address can run every command", {
    hostname,
    hint: "configure EDD_JWT_SECRET or EDD_JWT_JWKS_URL (docs/auth.md), or listen on 127.0.0.1",
  });
}
