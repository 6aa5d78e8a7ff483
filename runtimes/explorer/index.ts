import type { Hono } from "hono";
import type { StoredEvent } from "../../core/model/events.js";
import { verifyChain } from "../shared/hash-chain.js";
import { claimsSourceOf } from "../http/authenticate.js";
import { isLoopbackHost } from "../shared/loopback.js";
import { createExplorer } from "./app.js";
import { type ChainVerifier, defaultBasePath, type ExplorerOptions } from "./options.js";

export { createExplorer } from "./app.js";
export type { ChainBreak } from "../../core/ports/hash-chain.js";
export type { ChainVerifier, ExplorerOptions } from "./options.js";
export type { OperatorView } from "./access.js";

/** The hash chain both edd stores write (core/model/hash-chain.ts); the default verifier of mountExplorer. */
export const verifyEventChain: ChainVerifier = (events: readonly StoredEvent[]) => verifyChain(events);

/**
 * Adds the audit explorer to an app, under `/_edd` unless `basePath` says otherwise. Nothing is
 * served until this is called: the explorer is off unless mounted.
 */
export function mountExplorer<A extends Hono>(app: A, options: ExplorerOptions): A {
  const verifiedClaims = options.verifiedClaims ?? claimsSourceOf(app);
  app.route(
    "/",
    createExplorer({ verifyChain: verifyEventChain, ...options, ...(verifiedClaims === undefined ? {} : { verifiedClaims }) }),
  );
  return app;
}

/**
 * How a process decides from its environment: on only when EDD_EXPLORER=1, and anonymous (no
 * sign-in) only when the server listens on a loopback address; elsewhere the operator role is needed.
 */
export function explorerSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  hostname: string,
): Pick<ExplorerOptions, "allowAnonymousOperator" | "basePath"> | undefined {
  if (env.EDD_EXPLORER !== "1") return undefined;
  return { allowAnonymousOperator: isLoopbackHost(hostname), basePath: defaultBasePath };
}
