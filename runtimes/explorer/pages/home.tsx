/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { AggregateSummary, Page } from "../../../core/ports/audit.js";
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";
import { NextPage, Notice, RealmField, Time } from "./components.js";
import { Layout } from "./layout.js";

export interface HomeProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly services: readonly string[];
  readonly service: string;
  readonly prefix: string;
  readonly aggregates: Page<AggregateSummary>;
  /** Set when an identity lookup found nothing. */
  readonly identityMiss?: { readonly service: string; readonly name: string };
}

/** Where an operator starts: pick realm and service, then find an aggregate by id prefix or by a claimed name. */
export function HomePage(props: HomeProps) {
  const { links, operator, service, prefix, aggregates } = props;
  const next = aggregates.nextCursor === undefined ? undefined : links.home({ service, prefix, after: aggregates.nextCursor });
  return (
    <Layout title="Aggregates" section="aggregates" links={links} operator={operator}>
      {props.identityMiss && (
        <Notice tone="bad">
          No aggregate of {props.identityMiss.service} has claimed “{props.identityMiss.name}” in realm {operator.realm}.
        </Notice>
      )}
      <h2 id="find-by-id">Find by aggregate id</h2>
      <form class="search" method="get" action={links.actions.home} aria-labelledby="find-by-id">
        <RealmField operator={operator} />
        <ServiceField id="service-by-id" services={props.services} selected={service} />
        <label for="prefix">
          Id starts with
          <input id="prefix" name="prefix" type="search" value={prefix} autocomplete="off" />
        </label>
        <button type="submit">Search</button>
      </form>
      <AggregateTable links={links} service={service} prefix={prefix} aggregates={aggregates.items} />
      <NextPage href={next} label="Next page of aggregates" />

      <h2 id="find-by-identity">Find by identity</h2>
      <p class="muted">A unique name an aggregate claimed, such as an account owner's email.</p>
      <form class="search" method="get" action={links.actions.identity} aria-labelledby="find-by-identity">
        <RealmField operator={operator} />
        <ServiceField id="service-by-identity" services={props.services} selected={service} />
        <label for="identity-name">
          Name
          <input id="identity-name" name="name" type="search" required autocomplete="off" />
        </label>
        <button type="submit">Find</button>
      </form>
    </Layout>
  );
}

function AggregateTable(props: { links: ExplorerLinks; service: string; prefix: string; aggregates: readonly AggregateSummary[] }) {
  if (props.aggregates.length === 0) {
    return (
      <p>
        {props.prefix === "" ? `No aggregates of ${props.service} yet.` : `No ${props.service} aggregate id starts with “${props.prefix}”.`}
      </p>
    );
  }
  return (
    <table>
      <caption>Aggregates of {props.service}</caption>
      <thead>
        <tr>
          <th scope="col">Aggregate id</th>
          <th scope="col">Version</th>
          <th scope="col">Last change</th>
        </tr>
      </thead>
      <tbody>
        {props.aggregates.map((aggregate) => (
          <tr>
            <td>
              <a href={props.links.timeline(aggregate.service, aggregate.aggregateId)}>{aggregate.aggregateId}</a>
            </td>
            <td>{aggregate.version}</td>
            <td>
              <Time iso={aggregate.updatedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ServiceField({ id, services, selected }: { id: string; services: readonly string[]; selected: string }) {
  return (
    <label for={id}>
      Service
      <select id={id} name="service">
        {services.map((name) => (
          <option value={name} selected={name === selected}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
