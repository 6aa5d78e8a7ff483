/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import { diffStates } from "../state-diff.js";
import { Json, Notice, RealmField, Time } from "./components.js";
import { Layout } from "./layout.js";
import { StateTable } from "./state-table.js";

export interface StateAtProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly service: string;
  readonly aggregateId: string;
  /** What the operator asked for, echoed into the form. */
  readonly asked: { readonly version: string; readonly time: string };
  /** Absent when the question could not be answered (see `refusal`). */
  readonly found?: {
    readonly state: unknown;
    readonly version: number;
    readonly time?: string;
    readonly latestVersion: number;
  };
  /** Why the point asked for is not one: shown above the form. */
  readonly refusal?: string;
}

/** The state of one aggregate after a chosen event, or as it stood at an instant, folded from its events. */
export function StateAtPage({ links, operator, service, aggregateId, asked, found, refusal }: StateAtProps) {
  return (
    <Layout title={`${service} / ${aggregateId}: state at a point in time`} section="aggregates" links={links} operator={operator}>
      {refusal === undefined ? null : <Notice tone="bad">{refusal}</Notice>}
      <form class="search" method="get" action={links.stateForm(service, aggregateId)} aria-labelledby="point-in-time">
        <RealmField operator={operator} />
        <h2 id="point-in-time">Point in time</h2>
        <label for="state-version">
          Version <span class="muted">(after event number)</span>
          <input id="state-version" name="version" type="number" min="0" step="1" value={asked.version} />
        </label>
        <label for="state-time">
          or instant <span class="muted">(ISO-8601, e.g. 2026-01-02T03:04:05Z)</span>
          <input id="state-time" name="time" type="text" value={asked.time} autocomplete="off" />
        </label>
        <button type="submit">Show state</button>
      </form>
      {found === undefined ? null : <Found links={links} service={service} aggregateId={aggregateId} found={found} />}
    </Layout>
  );
}

function Found({
  links,
  service,
  aggregateId,
  found,
}: Pick<StateAtProps, "links" | "service" | "aggregateId"> & Required<Pick<StateAtProps, "found">>) {
  const caption = found.version === 0 ? "Before any event" : `After event ${found.version}`;
  return (
    <>
      <dl class="facts">
        <dt>Version</dt>
        <dd>
          {found.version} of {found.latestVersion}
          {found.version === 0 ? <span class="muted"> (the initial state, before any event)</span> : null}
        </dd>
        <dt>Last event folded</dt>
        <dd>
          {found.version === 0 ? (
            <span class="muted">none</span>
          ) : (
            <>
              <a href={links.timeline(service, aggregateId, found.version)}>event {found.version}</a> <Time iso={found.time} />
            </>
          )}
        </dd>
        <dt>Timeline</dt>
        <dd>
          <a href={links.timeline(service, aggregateId)}>every event of {aggregateId}</a>
        </dd>
      </dl>
      <section aria-label={`State at version ${found.version}`}>
        <h2>State at version {found.version}</h2>
        <p class="muted">Folded from the events with the service's current evolve functions; snapshots are not read.</p>
        <StateTable fields={diffStates(found.state, found.state)} caption={caption} />
        <details>
          <summary>As JSON</summary>
          <Json value={found.state} />
        </details>
      </section>
    </>
  );
}
