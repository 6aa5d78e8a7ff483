import type { Context, Hono } from "hono";
import type { Service } from "../../../core/model/service.js";
import type { ExplorerEnv } from "../access.js";
import { type ExplorerLinks, explorerLinks } from "../links.js";
import type { ExplorerOptions } from "../options.js";

/** What every group of routes is registered with. */
export interface RouteDeps {
  readonly options: ExplorerOptions;
  readonly base: string;
  readonly pageSize: number;
  /** Events per page of a timeline. */
  readonly eventsPerPage: number;
}

export type ExplorerApp = Hono<ExplorerEnv>;
export type ExplorerContext = Context<ExplorerEnv>;

export function linksFor(c: ExplorerContext, deps: RouteDeps): ExplorerLinks {
  return explorerLinks(deps.base, c.var.operator.realm);
}

/** A query parameter, trimmed; "" when absent. Ids pasted from logs often carry stray spaces. */
export function param(c: ExplorerContext, name: string): string {
  return (c.req.query(name) ?? "").trim();
}

export function findService(deps: RouteDeps, name: string): Service | undefined {
  return deps.options.engine.services.find((service) => service.name === name);
}
