import { loadPeer } from "../../core/ports/peer.js";

type Jose = typeof import("jose");
let jose: Promise<Jose> | undefined;

/**
 * jose, an optional peer of edd, loaded on the first verification rather than at import: edd/node
 * reads EDD_JWT_* through this adapter, and must start without jose when no JWT is configured.
 */
export function loadJose(): Promise<Jose> {
  jose ??= loadPeer("edd/jwt", "jose", () => import("jose"));
  return jose;
}
