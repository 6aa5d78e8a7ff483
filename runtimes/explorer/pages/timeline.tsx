/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import type { ChainMark, ChainSummary, Timeline, TimelineEntry, TimelineWindow } from "../timeline.js";
import { type StateChartProps, StateChart } from "./chart.js";
import { BreadcrumbPath, Json, Time } from "./components.js";
import { Layout } from "./layout.js";
import { type TimelinePager, TimelinePagerNav } from "./timeline-pager.js";
import { StateTable } from "./state-table.js";

export interface TimelineProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly service: string;
  readonly aggregateId: string;
  readonly timeline: Timeline;
  /** The events this page shows. */
  readonly window: TimelineWindow;
  readonly pager: TimelinePager;
  /** A numeric state field over versions; absent when the state has no number. */
  readonly chart?: StateChartProps;
}

/** Everything that happened to one aggregate: who, when, by which request and command, and what it changed. */
export function TimelinePage({ links, operator, service, aggregateId, timeline, window, pager, chart }: TimelineProps) {
  const { entries } = timeline;
  return (
    <Layout title={`${service} / ${aggregateId}`} section="aggregates" links={links} operator={operator}>
      <dl class="facts">
        <dt>Version</dt>
        <dd>{timeline.version}</dd>
        <dt>Hash chain</dt>
        <dd>
          <ChainStatus chain={timeline.chain} />
        </dd>
        <dt>Point in time</dt>
        <dd>
          <a href={links.stateAt(service, aggregateId)}>state at a version or an instant</a>
        </dd>
      </dl>
      {timeline.version === 0 ? (
        <p>
          No events for {aggregateId} in service {service}, realm {operator.realm}.
        </p>
      ) : (
        <>
          {chart !== undefined && <StateChart {...chart} />}
          <TimelinePagerNav pager={pager} window={window} version={timeline.version} />
          <EventTable links={links} entries={entries} />
          <h2>Each event and the state after it</h2>
          <p class="muted">Fields changed by the event are highlighted and marked in the Change column.</p>
          <ol class="events">
            {entries.map((entry) => (
              <EventDetail links={links} entry={entry} />
            ))}
          </ol>
          <TimelinePagerNav pager={pager} window={window} version={timeline.version} />
        </>
      )}
    </Layout>
  );
}

function EventTable({ links, entries }: { links: ExplorerLinks; entries: readonly TimelineEntry[] }) {
  return (
    <table>
      <caption>Events, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">Type</th>
          <th scope="col">Time</th>
          <th scope="col">Initiator</th>
          <th scope="col">Actor</th>
          <th scope="col">Command</th>
          <th scope="col">Request</th>
          <th scope="col">Chain</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(({ event, chain }) => (
          <tr>
            <td>
              <a href={`#event-${event.sequence}`}>{event.sequence}</a>
            </td>
            <td>{event.type}</td>
            <td>
              <Time iso={event.time} />
            </td>
            <td>
              <Initiator links={links} event={event} />
            </td>
            <td>{event.meta.actor ?? event.meta.user}</td>
            <td>{event.meta.command}</td>
            <td>
              <a href={links.requests({ requestId: event.meta.requestId })}>{event.meta.requestId}</a>
            </td>
            <td>
              <ChainCell mark={chain} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EventDetail({ links, entry }: { links: ExplorerLinks; entry: TimelineEntry }) {
  const { event } = entry;
  const headingId = `event-${event.sequence}-heading`;
  return (
    <li id={`event-${event.sequence}`}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          {event.sequence}. {event.type}
        </h3>
        <dl class="facts">
          {entry.storedAs === undefined ? null : (
            <>
              <dt>Stored as</dt>
              <dd>
                {entry.storedAs.type} version {entry.storedAs.schemaVersion}{" "}
                <span class="muted">(shown upcast to the current version)</span>
              </dd>
            </>
          )}
          <dt>Time</dt>
          <dd>
            <Time iso={event.time} />
          </dd>
          <dt>Initiator</dt>
          <dd>
            <Initiator links={links} event={event} />
          </dd>
          <dt>Actor</dt>
          <dd>{event.meta.actor ?? event.meta.user}</dd>
          <dt>Command</dt>
          <dd>{event.meta.command}</dd>
          <dt>Request</dt>
          <dd>
            <a href={links.requests({ requestId: event.meta.requestId })}>{event.meta.requestId}</a>{" "}
            <span class="muted">(every step of this request, from the original one)</span>{" "}
            <a href={links.tree(event.meta.requestId)}>causal tree</a>
          </dd>
          <dt>Breadcrumbs</dt>
          <dd>
            <BreadcrumbPath breadcrumbs={event.meta.breadcrumbs} />
          </dd>
          <dt>Interaction</dt>
          <dd>
            <a href={links.requests({ interactionId: event.meta.interactionId })}>{event.meta.interactionId}</a>
          </dd>
          <dt>Hash</dt>
          <dd>
            {event.hash === undefined ? <span class="muted">not recorded</span> : <code>{event.hash}</code>}{" "}
            <ChainCell mark={entry.chain} />
          </dd>
        </dl>
        <div class="columns">
          <section aria-label={`Data of event ${event.sequence}`}>
            <h4>Data</h4>
            <Json value={event.data} />
          </section>
          <section aria-label={`State after event ${event.sequence}`}>
            <h4>State after</h4>
            {entry.state === undefined ? (
              <p class="bad">{entry.foldError}</p>
            ) : (
              <StateTable fields={entry.state} caption={`After event ${event.sequence}`} />
            )}
          </section>
        </div>
      </article>
    </li>
  );
}

/** The initiator, linked to everything it initiated; events older than the field name only their user. */
function Initiator({ links, event }: { links: ExplorerLinks; event: TimelineEntry["event"] }) {
  const { initiator } = event.meta;
  if (initiator === undefined) return <span>{event.meta.user}</span>;
  return (
    <a href={links.principal(initiator)} aria-label={`Everything ${initiator} initiated`}>
      {initiator}
    </a>
  );
}

const chainLabels: Record<ChainMark, { text: string; tone: string }> = {
  holds: { text: "holds", tone: "ok" },
  broken: { text: "BROKEN here", tone: "bad" },
  "after-break": { text: "after a break", tone: "bad" },
  "not-recorded": { text: "not recorded", tone: "muted" },
  "not-checked": { text: "not checked", tone: "muted" },
};

function ChainCell({ mark }: { mark: ChainMark }) {
  const label = chainLabels[mark];
  return <span class={label.tone}>{label.text}</span>;
}

function ChainStatus({ chain }: { chain: ChainSummary }) {
  switch (chain.status) {
    case "holds":
      return <span class="ok">holds: every hash follows from the events before it</span>;
    case "broken":
      return (
        <span class="bad">
          broken at event {chain.brokenAt}: {chain.reason}
        </span>
      );
    case "not-recorded":
      return <span class="muted">not recorded: this store keeps no event hashes</span>;
    case "not-checked":
      return <span class="muted">not checked: the explorer has no chain verifier configured</span>;
  }
}
