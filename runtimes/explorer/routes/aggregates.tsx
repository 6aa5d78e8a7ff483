/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { HomePage } from "../pages/home.js";
import { TimelinePage } from "../pages/timeline.js";
import { StateAtPage } from "../pages/state-at.js";
import { type HistoryPoint, stateAt } from "../../../core/pipeline/operations/state-at.js";
import { renderPage } from "../render.js";
import type { NumericSeries } from "../numeric-series.js";
import type { StateChartProps } from "../pages/chart.js";
import type { TimelinePager } from "../pages/timeline-pager.js";
import { buildTimeline, type TimelineWindow, windowAround } from "../timeline.js";
import type { ExplorerLinks } from "../links.js";
import { type ExplorerApp, type ExplorerContext, findService, linksFor, param, type RouteDeps } from "./deps.js";

/** Home (find aggregates by id prefix or claimed name) and the timeline of one aggregate. */
export function aggregateRoutes(
  app: ExplorerApp,
  deps: RouteDeps,
  notFound: (c: ExplorerContext, message: string) => Promise<Response>,
): void {
  const { engine, audit } = deps.options;
  const serviceNames = engine.services.map((service) => service.name);

  const home = async (c: ExplorerContext, identityMiss?: { service: string; name: string }) => {
    const service = findService(deps, param(c, "service"))?.name ?? serviceNames[0] ?? "";
    const prefix = param(c, "prefix");
    const after = param(c, "after");
    const realm = c.var.operator.realm;
    const aggregates =
      service === ""
        ? { items: [] }
        : await audit.listAggregates({ realm, service, idPrefix: prefix, ...(after === "" ? {} : { after }), limit: deps.pageSize });
    const page = (
      <HomePage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        services={serviceNames}
        service={service}
        prefix={prefix}
        aggregates={aggregates}
        {...(identityMiss === undefined ? {} : { identityMiss })}
      />
    );
    return renderPage(c, page, identityMiss === undefined ? 200 : 404);
  };

  app.get(deps.base, (c) => home(c));
  app.get(`${deps.base}/`, (c) => home(c));

  app.get(`${deps.base}/identity`, async (c) => {
    const service = findService(deps, param(c, "service"));
    const name = param(c, "name");
    if (service === undefined) return notFound(c, `No service named "${param(c, "service")}" is hosted here.`);
    const aggregateId = name === "" ? undefined : await engine.store.findIdentity(c.var.operator.realm, service.name, name);
    if (aggregateId === undefined) return home(c, { service: service.name, name });
    return c.redirect(linksFor(c, deps).timeline(service.name, aggregateId), 303);
  });

  app.get(`${deps.base}/aggregates/:service/:id`, async (c) => {
    const service = findService(deps, c.req.param("service"));
    if (service === undefined) return notFound(c, `No service named "${c.req.param("service")}" is hosted here.`);
    const aggregateId = c.req.param("id");
    const events = await engine.store.readAggregateEvents({ realm: c.var.operator.realm, service: service.name, aggregateId });
    const version = events.at(-1)?.sequence ?? 0;
    const at = param(c, "at"); // checked by storableParams: digits only
    const window = windowAround(at === "" ? undefined : Number(at), version, deps.eventsPerPage);
    const timeline = buildTimeline(service, events, deps.options.verifyChain, window);
    const links = linksFor(c, deps);
    const field = param(c, "field");
    const chart = chartOf(timeline.series, field, (path) =>
      links.timelinePage(service.name, aggregateId, { ...(at === "" ? {} : { at: window.from }), field: path }),
    );
    const page = (
      <TimelinePage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        service={service.name}
        aggregateId={aggregateId}
        timeline={timeline}
        window={window}
        pager={pagerFor(links, service.name, aggregateId, window, version, field)}
        {...(chart === undefined ? {} : { chart })}
      />
    );
    return renderPage(c, page, events.length === 0 ? 404 : 200);
  });

  // The state at a version (`version=N`) or an instant (`time=ISO-8601`), folded from the events.
  app.get(`${deps.base}/aggregates/:service/:id/state`, async (c) => {
    const service = findService(deps, c.req.param("service"));
    if (service === undefined) return notFound(c, `No service named "${c.req.param("service")}" is hosted here.`);
    const aggregateId = c.req.param("id");
    const asked = { version: param(c, "version"), time: param(c, "time") };
    const props = { links: linksFor(c, deps), operator: c.var.operator, service: service.name, aggregateId, asked };
    const point = historyPoint(asked);
    if (typeof point === "string") return renderPage(c, <StateAtPage {...props} refusal={point} />, 400);
    const ref = { realm: c.var.operator.realm, service: service.name, aggregateId };
    const found = await stateAt(engine.store, service, ref, point ?? { version: Number.MAX_SAFE_INTEGER });
    if (found.latestVersion === 0) return notFound(c, `No events for ${aggregateId} in service ${service.name}, realm ${ref.realm}.`);
    return renderPage(c, <StateAtPage {...props} found={found} />);
  });
}

/** The point asked for; undefined for the latest; a message when the parameters are not one. */
function historyPoint(asked: { version: string; time: string }): HistoryPoint | undefined | string {
  if (asked.version !== "" && asked.time !== "") return "Give a version or an instant, not both.";
  if (asked.version !== "") {
    return /^\d{1,15}$/.test(asked.version) ? { version: Number(asked.version) } : "The version is a whole number from 0.";
  }
  if (asked.time === "") return undefined;
  const instant = Date.parse(asked.time);
  return Number.isNaN(instant)
    ? "The instant is not a time: use ISO-8601, e.g. 2026-01-02T03:04:05Z."
    : { time: new Date(instant).toISOString() };
}

/** The numeric field asked for, or the first one the state has; links keep the page shown. */
function chartOf(series: readonly NumericSeries[], field: string, hrefFor: (path: string) => string): StateChartProps | undefined {
  const chosen = series.find((entry) => entry.path === field) ?? series[0];
  if (chosen === undefined) return undefined;
  return { series: chosen, choices: series.map((entry) => ({ path: entry.path, href: hrefFor(entry.path) })) };
}

function pagerFor(
  links: ExplorerLinks,
  service: string,
  aggregateId: string,
  window: TimelineWindow,
  version: number,
  field: string,
): TimelinePager {
  const to = (at: number | undefined) => links.timelinePage(service, aggregateId, { ...(at === undefined ? {} : { at }), field });
  const hasEarlier = window.from > 1;
  const hasLater = window.to < version;
  return {
    ...(hasEarlier ? { first: to(1), earlier: to(window.from - 1) } : {}),
    ...(hasLater ? { later: to(window.to + 1), latest: to(undefined) } : {}),
  };
}
