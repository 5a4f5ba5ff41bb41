import type { Context, Hono } from "hono";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import { checkAdminKey } from "./admin.js";
import { jsonBody } from "./json-body.js";
import type { ApiEnv } from "./env.js";

/**
 * Routes are declared once, with zod schemas for their inputs and outputs: the same declaration
 * registers the Hono handler, validates the request, and becomes the route's OpenAPI operation,
 * so the document cannot forget a route or drift from what the code accepts.
 */
type Obj = z.ZodObject<z.ZodRawShape>;
type Empty = z.ZodObject<{}>;

export interface ResponseSpec {
  description: string;
  /** JSON body; omitted for bodiless answers (304). */
  schema?: z.ZodType;
  headers?: Record<string, string>;
}

export interface RouteSpec<P extends Obj = Obj, Q extends Obj = Obj, B extends z.ZodType = z.ZodType> {
  method: "get" | "post" | "patch" | "delete";
  /** Hono syntax (`/traders/:address`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  admin?: boolean;
  deprecated?: boolean;
  params?: P;
  query?: Q;
  /** A JSON body; when absent, a body that is sent is still checked to be JSON (json-body.ts). */
  body?: B;
  /** Largest body accepted (413 beyond); the app's default when unset. */
  maxBodyBytes?: number;
  responses: Record<number, ResponseSpec>;
}

export interface RouteInput<P extends Obj, Q extends Obj, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

type Handler<P extends Obj, Q extends Obj, B extends z.ZodType> = (
  c: Context<ApiEnv>,
  input: RouteInput<P, Q, B>,
) => Response | Promise<Response>;

/** Messages name the field: `limit: Too big: expected number to be <=500`. */
export const parseOr400 = <T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : what}: ${i.message}`)
    .join("; ");
  throw new ValidationError(problems);
};

export interface Router {
  readonly specs: readonly RouteSpec[];
  add<P extends Obj = Empty, Q extends Obj = Empty, B extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<P, Q, B>,
    handler: Handler<P, Q, B>,
  ): void;
}

// One instance: zod compiles a schema on its first parse, so a new z.object({}) per request costs that each time.
const NO_FIELDS = z.object({});

export interface RouterOptions {
  adminKey: () => string | undefined;
  /** The body limit of routes that do not set their own. */
  maxBodyBytes: number;
}

export const createRouter = (app: Hono<ApiEnv>, { adminKey, maxBodyBytes }: RouterOptions): Router => {
  const specs: RouteSpec[] = [];
  return {
    specs,
    add(spec, handler) {
      specs.push(spec as unknown as RouteSpec);
      const handle = async (c: Context<ApiEnv>) => {
        if (spec.admin === true) checkAdminKey(adminKey(), c.req.header("x-api-key"));
        const params = parseOr400(spec.params ?? NO_FIELDS, c.req.param(), "path");
        const query = parseOr400(spec.query ?? NO_FIELDS, c.req.query(), "query");
        const body = spec.body === undefined ? undefined : parseOr400(spec.body, c.get("jsonBody"), "body");
        // The schemas above produced exactly these types; TypeScript cannot follow the generics through `app.on`.
        return handler(c, { params, query, body } as never);
      };
      if (spec.method === "get") app.on("GET", spec.path, handle);
      else app.on(spec.method.toUpperCase(), spec.path, jsonBody(spec.maxBodyBytes ?? maxBodyBytes), handle);
    },
  };
};
