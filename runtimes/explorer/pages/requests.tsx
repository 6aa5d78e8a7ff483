/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { AuditedRequest, Page, TouchedAggregate } from "../../../core/ports/audit.js";
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import { BreadcrumbPath, RequestLinks, FoldedJson, RealmField, Status, Time } from "./components.js";
import { Layout } from "./layout.js";

export interface RequestsProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly search: { readonly requestId: string; readonly interactionId: string; readonly before: string };
  readonly requests: Page<AuditedRequest>;
  readonly touched: readonly TouchedAggregate[];
}

/** The request log, newest first: what was asked, how it was answered, and which aggregates it changed. */
export function RequestsPage({ links, operator, search, requests, touched }: RequestsProps) {
  const next =
    requests.nextCursor === undefined
      ? undefined
      : links.requests({ requestId: search.requestId, interactionId: search.interactionId, before: requests.nextCursor });
  const filtered = search.requestId !== "" || search.interactionId !== "";
  return (
    <Layout title="Request log" section="requests" links={links} operator={operator}>
      <form class="search" method="get" action={links.actions.requests} aria-label="Search the request log">
        <RealmField operator={operator} />
        <label for="request-id">
          Request id
          <input id="request-id" name="requestId" type="search" size={38} value={search.requestId} autocomplete="off" />
        </label>
        <label for="interaction-id">
          Interaction id
          <input id="interaction-id" name="interactionId" type="search" size={38} value={search.interactionId} autocomplete="off" />
        </label>
        <button type="submit">Search</button>
        {filtered && <a href={links.requests()}>Show all</a>}
      </form>
      {requests.items.length === 0 ? (
        <p>No request matches.</p>
      ) : (
        <table>
          <caption>{filtered ? "Matching requests, newest first" : "Requests, newest first"}</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Request</th>
              <th scope="col">Step</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Error code</th>
              <th scope="col">Aggregates changed</th>
              <th scope="col">Body</th>
            </tr>
          </thead>
          <tbody>
            {requests.items.map((request) => (
              <RequestRow links={links} request={request} touched={touchedBy(touched, request)} />
            ))}
          </tbody>
        </table>
      )}
      {(search.before !== "" || next !== undefined) && (
        <nav class="pager" aria-label="Request log pages">
          {search.before !== "" && (
            <a href={links.requests({ requestId: search.requestId, interactionId: search.interactionId })}>Newest requests</a>
          )}
          {next !== undefined && (
            <a href={next} rel="next">
              Older requests
            </a>
          )}
        </nav>
      )}
    </Layout>
  );
}

function RequestRow({ links, request, touched }: { links: ExplorerLinks; request: AuditedRequest; touched: readonly TouchedAggregate[] }) {
  return (
    <tr>
      <td>
        <Time iso={request.receivedAt} />
      </td>
      <td>
        <RequestLinks links={links} requestId={request.requestId} />
        <br />
        <span class="muted">interaction </span>
        <a href={links.requests({ interactionId: request.interactionId })}>{request.interactionId}</a>
        {request.principal === undefined ? null : (
          <>
            <br />
            <span class="muted">sent by </span>
            <a href={links.principal(request.principal.id)}>{request.principal.id}</a>{" "}
            <span class="muted">({request.principal.method})</span>
          </>
        )}
      </td>
      <td>
        <BreadcrumbPath breadcrumbs={request.breadcrumbs} />
      </td>
      <td>
        {request.kind}: {commandNames(request.body)}
      </td>
      <td>
        <Status status={request.outcome?.status} />
      </td>
      <td>{request.outcome?.errorCode ?? ""}</td>
      <td>
        {touched.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          <ul>
            {touched.map((aggregate) => (
              <li>
                <a href={links.timeline(aggregate.service, aggregate.aggregateId, aggregate.sequences[0])}>
                  {aggregate.service}/{aggregate.aggregateId}
                </a>{" "}
                <span class="muted">events {aggregate.sequences.join(", ")}</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <FoldedJson summary="JSON" value={request.body} />
      </td>
    </tr>
  );
}

/** A request writes events under its own request id and breadcrumbs; effects of it have longer breadcrumbs. */
function touchedBy(touched: readonly TouchedAggregate[], request: AuditedRequest): readonly TouchedAggregate[] {
  const path = request.breadcrumbs.join(".");
  return touched.filter((entry) => entry.requestId === request.requestId && entry.breadcrumbs.join(".") === path);
}

/** The names of the commands or the query in a logged body, which is untrusted JSON. */
function commandNames(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const record = body as { commands?: unknown; query?: unknown };
  if (Array.isArray(record.commands)) {
    return record.commands
      .map((entry) => (typeof entry === "object" && entry !== null ? String((entry as { command?: unknown }).command) : "?"))
      .join(", ");
  }
  const query = typeof record.query === "object" && record.query !== null ? (record.query as { query?: unknown }).query : undefined;
  return typeof query === "string" ? query : "";
}
