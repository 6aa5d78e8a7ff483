import type { DependencyRequests, Service } from "../model/service.js";

/**
 * Refuses, when an engine is created, an effect or dependency aimed at a command or query that a
 * hosted service does not declare: a typo would otherwise surface much later as a dead letter or a
 * 502. Targets in services hosted elsewhere are the remote side's to answer.
 */
export function checkTargets(services: readonly Service[]): void {
  const hosted = new Map(services.map((service) => [service.name, service]));
  const refuse = (owner: string, what: string, service: string, name: string, kind: "commands" | "queries") => {
    const target = hosted.get(service);
    if (target === undefined || Object.hasOwn(target[kind], name)) return;
    throw new Error(`${owner}: ${what} ${service}.${name}, which service ${service} does not declare`);
  };
  for (const service of services) {
    for (const [type, effects] of Object.entries(service.effects)) {
      for (const effect of effects) refuse(service.name, `the effect on ${type} sends`, effect.service, effect.command, "commands");
    }
    const dependents = [
      ...Object.entries(service.commands).map(([name, definition]) => [`command ${name}`, definition.dependencies] as const),
      ...Object.entries(service.queries).map(([name, definition]) => [`query ${name}`, definition.dependencies] as const),
    ];
    for (const [what, dependencies] of dependents) {
      for (const [name, dependency] of Object.entries(dependencies ?? ({} as DependencyRequests))) {
        refuse(service.name, `${what}'s dependency ${name} asks`, dependency.service ?? service.name, dependency.query, "queries");
      }
    }
  }
}
