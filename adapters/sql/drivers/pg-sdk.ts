import { loadPeer } from "../../../core/ports/peer.js";

/** pg, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const pgModule = await loadPeer("edd/postgres", "pg", () => import("pg"));
export const pg = pgModule.default;
