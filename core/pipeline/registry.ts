import { EddError } from "../model/errors.js";
import type { CommandDefinition, QueryDefinition, Service } from "../model/service.js";

export interface Resolved<D> {
  readonly service: Service;
  readonly definition: D;
}

/** Finds which hosted service owns a command or query name. */
export class ServiceRegistry {
  readonly #services: ReadonlyMap<string, Service>;
  /**
   * Names already resolved, by service name as the envelope gave it (undefined: none), then name:
   * every command looks its name up once or twice. Only successes are kept, so the maps hold no more
   * than the definitions; unknown and ambiguous names are worked out (and refused) every time.
   */
  readonly #resolved = { command: new Map<string | undefined, Map<string, Resolved<unknown>>>(), query: new Map() };

  constructor(services: readonly Service[]) {
    const byName = new Map<string, Service>();
    for (const service of services) {
      if (byName.has(service.name)) throw new Error(`service ${service.name} is registered twice`);
      byName.set(service.name, service);
    }
    this.#services = byName;
  }

  get services(): readonly Service[] {
    return [...this.#services.values()];
  }

  service(name: string): Service | undefined {
    return this.#services.get(name);
  }

  command(name: string, serviceName?: string): Resolved<CommandDefinition<unknown>> {
    return this.#resolve("command", name, serviceName, (service) => service.commands[name]);
  }

  query(name: string, serviceName?: string): Resolved<QueryDefinition<unknown>> {
    return this.#resolve("query", name, serviceName, (service) => service.queries[name]);
  }

  #resolve<D>(kind: "command" | "query", name: string, serviceName: string | undefined, pick: (s: Service) => D | undefined): Resolved<D> {
    const known = this.#resolved[kind].get(serviceName)?.get(name);
    if (known !== undefined) return known as Resolved<D>;
    const resolved = this.#find(kind, name, serviceName, pick);
    const byName = this.#resolved[kind].get(serviceName) ?? new Map<string, Resolved<unknown>>();
    this.#resolved[kind].set(serviceName, byName.set(name, resolved));
    return resolved;
  }

  #find<D>(kind: "command" | "query", name: string, serviceName: string | undefined, pick: (s: Service) => D | undefined): Resolved<D> {
    const candidates = serviceName === undefined ? this.services : [this.#services.get(serviceName)].filter((s) => s !== undefined);
    const found = candidates.flatMap((service) => {
      const definition = Object.hasOwn(service[kind === "command" ? "commands" : "queries"], name) ? pick(service) : undefined;
      return definition === undefined ? [] : [{ service, definition }];
    });
    const [first, second] = found;
    if (first === undefined) {
      const where = serviceName === undefined ? "any hosted service" : `service ${serviceName}`;
      throw new EddError(kind === "command" ? "unknown-command" : "unknown-query", `No ${kind} named ${name} in ${where}.`);
    }
    if (second !== undefined) {
      const owners = found.map((f) => f.service.name).join(", ");
      throw new EddError(
        kind === "command" ? "ambiguous-command" : "ambiguous-query",
        `${name} exists in ${owners}; name the service in the envelope.`,
      );
    }
    return first;
  }
}
