import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/**
 * A Lambda `Context` for one local invocation. Handlers use `getRemainingTimeInMillis` to stop
 * starting work they cannot finish (the tracking worker does), so the deadline is real: it comes
 * from the function's configured timeout, as in Lambda.
 */
export interface LambdaContextOptions {
  functionName: string;
  timeoutSeconds: number;
  memoryMb?: number;
  region?: string;
  /** For tests; defaults to the clock. */
  now?: () => number;
  /**
   * Local shutdown: once aborted, the invocation has no time left, so a handler that lives as
   * long as its invocation (the stream listener) wraps up now rather than at its timeout.
   */
  shutdown?: AbortSignal;
}

const ACCOUNT = "000000000000";

export const createLambdaContext = (o: LambdaContextOptions): Context => {
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutSeconds * 1000;
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const day = new Date(now()).toISOString().slice(0, 10).replaceAll("-", "/");
  const unsupported = (what: string) => () => {
    throw new Error(`context.${what}() is not supported: return a value or throw from the async handler.`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: o.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${o.functionName}`,
    memoryLimitInMB: String(o.memoryMb ?? 128),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${o.functionName}`,
    logStreamName: `${day}/[$LATEST]local`,
    getRemainingTimeInMillis: () => (o.shutdown?.aborted ? 0 : Math.max(0, deadline - now())),
    done: unsupported("done"),
    fail: unsupported("fail"),
    succeed: unsupported("succeed"),
  };
};

/** Outcome of running a handler under its timeout. */
export type InvocationResult =
  | { status: "succeeded"; value: unknown }
  | { status: "failed"; error: unknown }
  | { status: "timedOut" };

/**
 * Runs a handler as Lambda would and reports how it ended. On timeout Lambda freezes the
 * invocation; we cannot stop a promise, so we stop waiting for it and treat it as failed.
 */
export const invokeWithTimeout = async (
  run: (context: Context) => unknown,
  context: Context,
): Promise<InvocationResult> => {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<InvocationResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: "timedOut" }), context.getRemainingTimeInMillis());
  });
  const ran = (async (): Promise<InvocationResult> => {
    try {
      return { status: "succeeded", value: await run(context) };
    } catch (error) {
      return { status: "failed", error };
    }
  })();
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
};
