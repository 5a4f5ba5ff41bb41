import pkg from "../../../package.json" with { type: "json" };
import { buildOpenApiDocument } from "../openapi.js";
import { renderDocsHtml } from "../docs.js";
import { runHealthChecks } from "../health.js";
import { healthSchema, indexSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";

const LINKS = { docs: "/docs", openapi: "/openapi.json", health: "/health" };

export const registerMetaRoutes = ({ router, deps, log, startedAt, now }: RouteContext): void => {
  router.add(
    {
      method: "get",
      path: "/",
      operationId: "getIndex",
      summary: "Name, version and where the documentation is",
      tag: "meta",
      responses: { 200: { description: "About this API", schema: indexSchema } },
    },
    (c) => c.json({ name: pkg.name, version: pkg.version, description: pkg.description, links: LINKS }),
  );

  router.add(
    {
      method: "get",
      path: "/health",
      operationId: "getHealth",
      summary: "Status of each dependency",
      tag: "meta",
      responses: {
        200: { description: "Every dependency answers", schema: healthSchema },
        503: { description: "At least one dependency is down or still starting", schema: healthSchema },
      },
    },
    async (c) => {
      const { healthy, body } = await runHealthChecks(deps.checks, {
        timeoutMs: deps.limits?.checkTimeoutMs ?? 2_000,
        startedAt,
        now: now(),
        log,
      });
      return c.json(body, healthy ? 200 : 503);
    },
  );

  // Built on first request: by then every route is registered.
  let document: Record<string, unknown> | undefined;
  const openApi = () =>
    (document ??= buildOpenApiDocument(router.specs, {
      title: pkg.name,
      version: pkg.version,
      description: `${pkg.description} Admin routes need the x-api-key header. Lists page with limit (1–500) and the opaque next_cursor.`,
    }));

  router.add(
    {
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApi",
      summary: "This document (OpenAPI 3.1)",
      tag: "meta",
      responses: { 200: { description: "The OpenAPI document" } },
    },
    (c) => c.json(openApi()),
  );

  let html: string | undefined;
  router.add(
    {
      method: "get",
      path: "/docs",
      operationId: "getDocs",
      summary: "Readable documentation (HTML)",
      tag: "meta",
      responses: { 200: { description: "An HTML page" } },
    },
    (c) => c.html((html ??= renderDocsHtml(openApi()))),
  );
};
