/** Every URL the explorer renders, in one place, so pages never concatenate paths themselves. */
export interface ExplorerLinks {
  readonly style: string;
  home(search?: { service?: string; prefix?: string; after?: string }): string;
  /** Paths for GET forms; the realm travels in a hidden field (see RealmField). */
  readonly actions: { readonly home: string; readonly identity: string; readonly requests: string };
  timeline(service: string, aggregateId: string, sequence?: number): string;
  requests(search?: { requestId?: string; interactionId?: string; before?: string }): string;
  deadLetters(): string;
  redrive(id: string): string;
  discard(id: string): string;
}

export function explorerLinks(basePath: string, realm: string): ExplorerLinks {
  const base = basePath.replace(/\/+$/, "");
  const withQuery = (path: string, query: Record<string, string | undefined> = {}) => {
    const params = new URLSearchParams({ realm });
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, value);
    return `${base}${path}?${params.toString()}`;
  };
  const segment = encodeURIComponent;
  return {
    style: `${base}/style.css`,
    home: (search = {}) => withQuery("/", search),
    actions: { home: `${base}/`, identity: `${base}/identity`, requests: `${base}/requests` },
    timeline: (service, aggregateId, sequence) =>
      `${withQuery(`/aggregates/${segment(service)}/${segment(aggregateId)}`)}${sequence === undefined ? "" : `#event-${sequence}`}`,
    requests: (search = {}) => withQuery("/requests", search),
    deadLetters: () => withQuery("/dead-letters"),
    redrive: (id) => withQuery(`/dead-letters/${segment(id)}/redrive`),
    discard: (id) => withQuery(`/dead-letters/${segment(id)}/discard`),
  };
}
