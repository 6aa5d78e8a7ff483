/**
 * Breadcrumbs are the path from the original request down a chain of effects:
 * the request itself is [0], the i-th effect of a command reached by path p is [...p, i].
 * Together with the request id they form the idempotency key of every derived command.
 */
export type Breadcrumbs = readonly number[];

export const rootBreadcrumbs: Breadcrumbs = Object.freeze([0]);

export function childBreadcrumbs(parent: Breadcrumbs, index: number): Breadcrumbs {
  return [...parent, index];
}

export function idempotencyKey(requestId: string, breadcrumbs: Breadcrumbs): string {
  return `${requestId}:${breadcrumbs.join(".")}`;
}
