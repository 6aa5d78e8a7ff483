import type { Breadcrumbs } from "../../model/breadcrumbs.js";
import { EddError } from "../../model/errors.js";
import type { Principal } from "../../model/principal.js";
import type { DependencyRequests } from "../../model/service.js";

export interface DependencyScope {
  readonly owner: string;
  readonly principal: Principal;
  readonly requestId: string;
  readonly interactionId: string;
  readonly breadcrumbs: Breadcrumbs;
  /**
   * The request came along the trusted path (effects, queue consumers). Otherwise a local
   * dependency query checks its declared roles against the principal, as if asked directly.
   */
  readonly trusted: boolean;
}

/** Runs one query for a dependency: in process when the service is hosted here, remotely otherwise. */
export type QueryRunner = (service: string, query: string, attributes: Record<string, unknown>, scope: DependencyScope) => Promise<unknown>;

/** Resolves every dependency of a command or query, in parallel, before its handler runs. */
export async function resolveDependencies(
  dependencies: DependencyRequests | undefined,
  input: unknown,
  scope: DependencyScope,
  runQuery: QueryRunner,
): Promise<Record<string, unknown>> {
  if (dependencies === undefined) return {};
  const entries = await Promise.all(
    Object.entries(dependencies).map(async ([name, dependency]) => {
      const service = dependency.service ?? scope.owner;
      let answer: unknown;
      try {
        answer = await runQuery(service, dependency.query, dependency.attributes(input as never), scope);
      } catch (error) {
        // Not the dependency's failure but the caller's: it may not read what the command needs.
        if (error instanceof EddError && error.code === "forbidden") {
          throw new EddError("forbidden", `Dependency ${name} (${service}.${dependency.query}): ${error.message}`);
        }
        const reason = error instanceof EddError ? error.toBody() : { code: "internal-error", message: "query failed" };
        throw new EddError("dependency-failed", `Dependency ${name} (${service}.${dependency.query}) failed.`, reason);
      }
      if (dependency.result === undefined) return [name, answer] as const;
      const parsed = dependency.result.safeParse(answer);
      if (!parsed.success) {
        throw new EddError("dependency-failed", `Dependency ${name} (${service}.${dependency.query}) answered an unexpected shape.`);
      }
      return [name, parsed.data] as const;
    }),
  );
  return Object.fromEntries(entries);
}
