import type { Principal } from "../../core/model/principal.js";
import type { Engine } from "../../core/pipeline/engine.js";
import type { AuditReader } from "../../core/ports/audit.js";
import type { ChainChecker } from "../../core/ports/hash-chain.js";
import type { ClaimsSource } from "../http/authenticate.js";

/** Checks the hash chain of one aggregate's events (all of them, from sequence 1); see core/model/hash-chain.ts. */
export type ChainVerifier = ChainChecker;

export interface ExplorerOptions {
  readonly engine: Engine;
  readonly audit: AuditReader;
  /** The role a principal needs for any page (default "operator"). */
  readonly requireRole?: string;
  /**
   * Claims a platform verified, for a platform authenticator (see docs/auth.md). `mountExplorer`
   * takes the one its app was created with (`createHttpApp(engine, { verifiedClaims })`).
   */
  readonly verifiedClaims?: ClaimsSource;
  /**
   * Every request runs as a local operator without authentication. For a demo on a loopback
   * address only: requests are refused unless their Host is a loopback name, their socket's peer is
   * a loopback address and they carry no proxy header (Forwarded, X-Forwarded-For, Via, …).
   */
  readonly allowAnonymousOperator?: boolean;
  /** Realms an operator may inspect; default only the principal's own realm. */
  readonly realmsFor?: (principal: Principal) => readonly string[];
  /** Verifies hash chains; without it the timeline says the chain was not checked. */
  readonly verifyChain?: ChainVerifier;
  /** Where the explorer is mounted (default "/_edd"); links are built from it. */
  readonly basePath?: string;
  /** Rows per page of aggregate and request lists (default 50). */
  readonly pageSize?: number;
  /** Events per page of a timeline (default 100); the latest page opens first. */
  readonly eventsPerPage?: number;
}

export const defaultBasePath = "/_edd";
export const defaultOperatorRole = "operator";
