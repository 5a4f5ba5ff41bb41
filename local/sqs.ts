import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
import type { QueueDef } from "#commons/queues.js";
import { defaultQueueName } from "#commons/queues.js";
import { localSqsClient } from "./aws.js";
import { LocalStartupError } from "./errors.js";

/**
 * SQS, served in-process by fauxqs: visibility timeouts, long polling, redrive to a dead-letter
 * queue after maxReceiveCount, as in AWS.
 */

export interface CreatedQueue {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface LocalSqsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  region?: string;
  queues?: readonly QueueDef[];
  /** Physical names are `<prefix>-<id>` and `<prefix>-<id>-dlq`. */
  namePrefix?: string;
}

export interface LocalSqs {
  endpoint: string;
  port: number;
  queues: ReadonlyMap<QueueDef["id"], CreatedQueue>;
  /** The URL of a queue created at start; throws for one that was not. */
  queueUrl(id: QueueDef["id"]): string;
  stop(): Promise<void>;
}

/** Messages nobody could process are kept as long as SQS allows, to leave time to look at them. */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * A queue and its dead-letter queue, wired as the CDK stack wires them. Idempotent. A FIFO queue
 * (`def.fifo`: `name` gets `.fifo` if it lacks it) has a FIFO dead-letter queue, as SQS requires,
 * explicit deduplication ids (no content-based deduplication) and high throughput (per group).
 */
export const createQueueWithDlq = async (client: SQSClient, def: QueueDef, name: string): Promise<CreatedQueue> => {
  const base = name.replace(/\.fifo$/, "");
  const suffix = def.fifo ? ".fifo" : "";
  const fifo: Record<string, string> = def.fifo
    ? { FifoQueue: "true", ContentBasedDeduplication: "false", DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId" }
    : {};
  const dlqUrl = await createQueue(client, `${base}-dlq${suffix}`, { ...fifo, MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) });
  const dlqArn = await queueArn(client, dlqUrl);
  const queueUrl = await createQueue(client, `${base}${suffix}`, {
    ...fifo,
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount }),
  });
  return { queueUrl, queueArn: await queueArn(client, queueUrl), dlqUrl, dlqArn };
};

const createQueue = async (client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> => {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return QueueUrl;
};

const queueArn = async (client: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`No QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
};

/**
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/...`. Node does not resolve such
 * names, and the AWS SDK sends each request to the host of the queue URL rather than to the
 * configured endpoint (with a warning). So clients only ever see `http://127.0.0.1:<port>/...`,
 * and we translate to fauxqs' own form on the way in and back on the way out.
 */
type Hookable = ReturnType<typeof buildApp>;

const URL_RESPONSES = new Set(["AmazonSQS.CreateQueue", "AmazonSQS.GetQueueUrl", "AmazonSQS.ListQueues"]);

const installUrlTranslation = (app: Hookable, publicBase: () => string, defaultRegion: string) => {
  const regionOf = (authorization: string | undefined) =>
    /Credential=\S+?\/\d{8}\/([^/]+)\//.exec(authorization ?? "")?.[1] ?? defaultRegion;
  const internalBase = (region: string) => publicBase().replace("//127.0.0.1:", `//sqs.${region}.localhost:`);

  app.addHook("preHandler", async (request) => {
    const body = request.body as { QueueUrl?: unknown } | undefined;
    if (typeof body?.QueueUrl === "string" && body.QueueUrl.startsWith(publicBase())) {
      body.QueueUrl = internalBase(regionOf(request.headers.authorization)) + body.QueueUrl.slice(publicBase().length);
    }
  });
  app.addHook("onSend", async (request, _reply, payload) => {
    if (typeof payload !== "string" || !URL_RESPONSES.has(String(request.headers["x-amz-target"]))) return payload;
    return payload.replace(/http:\/\/sqs\.[a-z0-9-]+\.localhost:\d+\//g, publicBase());
  });
};

export const startLocalSqs = async (options: LocalSqsOptions = {}): Promise<LocalSqs> => {
  const region = options.region ?? "us-east-1";
  const app = buildApp({ logger: false, defaultRegion: region });
  let base = "";
  installUrlTranslation(app, () => base, region);
  try {
    // 127.0.0.1 only: an unauthenticated queue server has no business on the network.
    await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  } catch (error) {
    await app.close();
    const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    const message = inUse
      ? `Port ${options.port} is already in use, so the local SQS server cannot start there.`
      : `The local SQS server did not start: ${String(error)}`;
    throw new LocalStartupError(message, { cause: error });
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  base = `${endpoint}/`;

  const client = localSqsClient({ endpoint, region });
  const queues = new Map<QueueDef["id"], CreatedQueue>();
  try {
    for (const def of options.queues ?? []) {
      queues.set(def.id, await createQueueWithDlq(client, def, defaultQueueName(def, options.namePrefix)));
    }
  } catch (error) {
    await app.close();
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    queues,
    queueUrl: (id) => {
      const queue = queues.get(id);
      if (!queue) throw new Error(`Queue ${id} was not created by startLocalSqs`);
      return queue.queueUrl;
    },
    stop: async () => {
      await app.close();
    },
  };
};
