import { loadPeer } from "../../core/ports/peer.js";

/** pino, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const pinoModule = await loadPeer("edd/pino", "pino", () => import("pino"));
export const pino = pinoModule.default;
