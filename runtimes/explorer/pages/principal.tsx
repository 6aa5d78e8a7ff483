/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { StoredEvent } from "../../../core/model/events.js";
import type { AuditedRequest, Page } from "../../../core/ports/audit.js";
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import { BreadcrumbPath, RequestLinks, Notice, Status, Time } from "./components.js";
import { Layout } from "./layout.js";

/** One list of the page: a page of rows, or why the store cannot list them. */
export type Listing<T> = { readonly page: Page<T> } | { readonly unsupported: string };

export interface PrincipalProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly principal: string;
  /** The cursors this page was opened with ("" for the newest). */
  readonly cursors: { readonly before: string; readonly eventsBefore: string };
  readonly requests: Listing<AuditedRequest>;
  readonly events: Listing<StoredEvent>;
}

/** Everything one principal initiated in the realm: the requests it sent, and every event written on its behalf. */
export function PrincipalPage({ links, operator, principal, cursors, requests, events }: PrincipalProps) {
  const at = (moved: { before?: string; eventsBefore?: string }) => links.principal(principal, { ...cursors, ...moved });
  return (
    <Layout title={`Initiated by ${principal}`} section="requests" links={links} operator={operator}>
      <p class="muted">
        Requests this principal sent, and the events its requests, their effects and queue deliveries wrote on its behalf (the event's
        initiator), newest first.
      </p>
      <h2 id="requests-by">Requests sent</h2>
      {"unsupported" in requests ? (
        <Notice tone="bad">{requests.unsupported}</Notice>
      ) : (
        <>
          <RequestTable links={links} requests={requests.page.items} />
          <Pager
            label="Pages of requests sent"
            newest={cursors.before === "" ? undefined : at({ before: "" })}
            older={requests.page.nextCursor === undefined ? undefined : at({ before: requests.page.nextCursor })}
            noun="requests"
          />
        </>
      )}
      <h2 id="events-by">Events initiated</h2>
      {"unsupported" in events ? (
        <Notice tone="bad">{events.unsupported}</Notice>
      ) : (
        <>
          <EventTable links={links} events={events.page.items} />
          <Pager
            label="Pages of events initiated"
            newest={cursors.eventsBefore === "" ? undefined : at({ eventsBefore: "" })}
            older={events.page.nextCursor === undefined ? undefined : at({ eventsBefore: events.page.nextCursor })}
            noun="events"
          />
        </>
      )}
    </Layout>
  );
}

function RequestTable({ links, requests }: { links: ExplorerLinks; requests: readonly AuditedRequest[] }) {
  if (requests.length === 0) return <p>No request logged from this principal.</p>;
  return (
    <table aria-describedby="requests-by">
      <caption>Requests sent, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Request</th>
          <th scope="col">Step</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Error code</th>
        </tr>
      </thead>
      <tbody>
        {requests.map((request) => (
          <tr>
            <td>
              <Time iso={request.receivedAt} />
            </td>
            <td>
              <RequestLinks links={links} requestId={request.requestId} />
            </td>
            <td>
              <BreadcrumbPath breadcrumbs={request.breadcrumbs} />
            </td>
            <td>{request.kind}</td>
            <td>
              <Status status={request.outcome?.status} />
            </td>
            <td>{request.outcome?.errorCode ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EventTable({ links, events }: { links: ExplorerLinks; events: readonly StoredEvent[] }) {
  if (events.length === 0) return <p>No event names this principal as its initiator.</p>;
  return (
    <table>
      <caption>Events initiated, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">Type</th>
          <th scope="col">Actor</th>
          <th scope="col">Command</th>
          <th scope="col">Request</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr>
            <td>
              <Time iso={event.time} />
            </td>
            <td>
              <a href={links.timeline(event.service, event.aggregateId, event.sequence)}>
                {event.service}/{event.aggregateId} #{event.sequence}
              </a>
            </td>
            <td>{event.type}</td>
            <td>{event.meta.actor ?? event.meta.user}</td>
            <td>{event.meta.command}</td>
            <td>
              <a href={links.tree(event.meta.requestId)} aria-label={`Causal tree of request ${event.meta.requestId}`}>
                {event.meta.requestId}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Pager({ label, newest, older, noun }: { label: string; newest?: string; older?: string; noun: string }) {
  if (newest === undefined && older === undefined) return null;
  return (
    <nav class="pager" aria-label={label}>
      {newest !== undefined && <a href={newest}>Newest {noun}</a>}
      {older !== undefined && (
        <a href={older} rel="next">
          Older {noun}
        </a>
      )}
    </nav>
  );
}
