import { EddError } from "../../model/errors.js";
import type { Principal } from "../../model/principal.js";

/** A command or query without declared roles is open to every authenticated principal. */
export function authorize(principal: Principal, roles: readonly string[] | undefined, what: string): void {
  if (roles === undefined || roles.length === 0) return;
  if (roles.some((role) => principal.roles.includes(role))) return;
  throw new EddError("forbidden", `${what} needs one of the roles: ${roles.join(", ")}.`);
}
