/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { HomePage } from "../pages/home.js";
import { TimelinePage } from "../pages/timeline.js";
import { renderPage } from "../render.js";
import { buildTimeline } from "../timeline.js";
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
    const timeline = buildTimeline(service, events, deps.options.verifyChain);
    const page = (
      <TimelinePage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        service={service.name}
        aggregateId={aggregateId}
        timeline={timeline}
      />
    );
    return renderPage(c, page, events.length === 0 ? 404 : 200);
  });
}
