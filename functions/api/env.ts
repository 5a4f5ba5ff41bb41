/** Hono's typed context for the API: what middleware leaves for the handlers. */
export interface ApiEnv {
  Variables: {
    /** The parsed JSON body; undefined when the request had none. */
    jsonBody: unknown;
  };
}
