import { z } from "zod";
import type { RouteSpec } from "./route.js";
import { errorSchema } from "./schemas.js";

/**
 * The OpenAPI 3.1 document, generated from the route declarations. JSON Schema 2020-12 (what
 * `z.toJSONSchema` emits) is OpenAPI 3.1's schema dialect, so schemas go in unchanged.
 */
type JsonSchema = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
};

/** `/traders/:address` → `/traders/{address}`. */
export const openApiPath = (honoPath: string): string => honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

const ERROR_REF = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ERROR_REF } },
});

const parameters = (spec: RouteSpec): JsonSchema[] => {
  const out: JsonSchema[] = [];
  for (const [where, obj] of [
    ["path", spec.params],
    ["query", spec.query],
  ] as const) {
    if (obj === undefined) continue;
    const schema = schemaOf(obj, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      const { description, ...propSchema } = prop;
      out.push({
        name,
        in: where,
        required: where === "path" || (schema.required ?? []).includes(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: propSchema,
      });
    }
  }
  return out;
};

const operation = (spec: RouteSpec): JsonSchema => {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.headers !== undefined
        ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }])) }
        : {}),
      ...(r.schema !== undefined
        ? { content: { "application/json": { schema: schemaOf(r.schema, "output") } } }
        : Number(status) >= 400
          ? { content: { "application/json": { schema: ERROR_REF } } }
          : {}),
    };
  }
  // Answers every route can give, from the shared middleware and error mapping.
  if (spec.params !== undefined || spec.query !== undefined || spec.body !== undefined || spec.method !== "get") {
    responses["400"] ??= errorResponse("Invalid input (the message says which field and why)");
  }
  if (spec.admin === true) {
    responses["401"] ??= errorResponse("No x-api-key header");
    responses["403"] ??= errorResponse("Wrong x-api-key; or, in AWS, the request did not come through CloudFront");
    responses["503"] ??= errorResponse("Admin operations are disabled (no ADMIN_API_KEY configured)");
  }
  // In AWS the API answers only through CloudFront (#api/viewer.js): the execute-api URL gets 403.
  responses["403"] ??= errorResponse("In AWS: the request did not come through CloudFront (the execute-api URL is not served)");
  if (spec.method !== "get") responses["413"] ??= errorResponse("Request body too large");
  responses["429"] ??= errorResponse("Rate limited; see Retry-After");
  responses["500"] ??= errorResponse("Internal error (details are in the server log, never in the response)");
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.deprecated === true ? { deprecated: true } : {}),
    ...(spec.admin === true ? { security: [{ adminKey: [] }] } : {}),
    ...(parameters(spec).length > 0 ? { parameters: parameters(spec) } : {}),
    ...(spec.body !== undefined
      ? {
          requestBody: {
            // Required exactly when the route refuses a request without one.
            required: !spec.body.safeParse(undefined).success,
            content: { "application/json": { schema: schemaOf(spec.body, "input") } },
          },
        }
      : {}),
    responses,
  };
};

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export const buildOpenApiDocument = (specs: readonly RouteSpec[], info: OpenApiInfo): JsonSchema => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation(spec);
  }
  return {
    openapi: "3.1.0",
    info,
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [...new Set(specs.map((s) => s.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: schemaOf(errorSchema, "output") },
      securitySchemes: { adminKey: { type: "apiKey", in: "header", name: "x-api-key" } },
    },
  };
};
