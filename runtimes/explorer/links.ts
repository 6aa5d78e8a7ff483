/** Every URL the explorer renders, in one place, so pages never concatenate paths themselves. */
export interface ExplorerLinks {
  readonly style: string;
  home(search?: { service?: string; prefix?: string; after?: string }): string;
  /** Paths for GET forms; the realm travels in a hidden field (see RealmField). */
  readonly actions: { readonly home: string; readonly identity: string; readonly requests: string };
  /** The timeline page holding event `sequence`, scrolled to it; the latest page without one. */
  timeline(service: string, aggregateId: string, sequence?: number): string;
  /** A page of the timeline: the one holding event `at` (latest without), charting state field `field`. */
  timelinePage(service: string, aggregateId: string, page: { at?: number; field?: string }): string;
  /** The state of one aggregate after event `version`, or at an instant (`time`, ISO-8601); the latest without either. */
  stateAt(service: string, aggregateId: string, at?: { version?: number; time?: string }): string;
  /** Where the point-in-time form of one aggregate is sent (GET; the realm rides in the form). */
  stateForm(service: string, aggregateId: string): string;
  /** What one principal initiated: the requests it sent and the events written on its behalf, each paged. */
  principal(id: string, pages?: { before?: string; eventsBefore?: string }): string;
  /** The causal tree of one request: the original request, its effects and the events they wrote. */
  tree(requestId: string): string;
  requests(search?: { requestId?: string; interactionId?: string; before?: string }): string;
  /** Open dead letters, or with `history` the redriven and discarded ones too. */
  deadLetters(history?: boolean): string;
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
      sequence === undefined
        ? withQuery(`/aggregates/${segment(service)}/${segment(aggregateId)}`)
        : `${withQuery(`/aggregates/${segment(service)}/${segment(aggregateId)}`, { at: String(sequence) })}#event-${sequence}`,
    timelinePage: (service, aggregateId, page) =>
      withQuery(`/aggregates/${segment(service)}/${segment(aggregateId)}`, {
        at: page.at === undefined ? undefined : String(page.at),
        field: page.field,
      }),
    stateAt: (service, aggregateId, at = {}) =>
      withQuery(`/aggregates/${segment(service)}/${segment(aggregateId)}/state`, {
        version: at.version === undefined ? undefined : String(at.version),
        time: at.time,
      }),
    stateForm: (service, aggregateId) => `${base}/aggregates/${segment(service)}/${segment(aggregateId)}/state`,
    principal: (id, pages = {}) => withQuery(`/principals/${segment(id)}`, pages),
    tree: (requestId) => withQuery(`/requests/${segment(requestId)}/tree`),
    requests: (search = {}) => withQuery("/requests", search),
    deadLetters: (history = false) => withQuery("/dead-letters", history ? { history: "1" } : {}),
    redrive: (id) => withQuery(`/dead-letters/${segment(id)}/redrive`),
    discard: (id) => withQuery(`/dead-letters/${segment(id)}/discard`),
  };
}
