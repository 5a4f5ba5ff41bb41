import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";

/**
 * Counters installed as SDK middleware on the process-wide clients, so they see exactly what the
 * handler modules send. Writes are counted when the request is sent (a write whose condition
 * fails is still billed), per physical table, as operations and as items.
 */

export interface TableCount {
  writeOps: number;
  writeItems: number;
  readOps: number;
}

export interface DynamoCounts {
  byTable: Record<string, TableCount>;
  /** TransactWriteItems sent: the worker commits one per changed trader (per 99 events). */
  transactions: number;
}

const WRITE_ONE = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"]);
const READ = new Set(["GetItemCommand", "BatchGetItemCommand", "QueryCommand", "ScanCommand"]);

type Input = Record<string, unknown>;
type TransactItem = Partial<Record<"Put" | "Update" | "Delete" | "ConditionCheck", { TableName?: string }>>;

export const countDynamoRequests = (client: DynamoDBClient) => {
  const byTable = new Map<string, TableCount>();
  let transactions = 0;
  const table = (name: unknown): TableCount => {
    const key = typeof name === "string" ? name : "(unknown)";
    let t = byTable.get(key);
    if (!t) byTable.set(key, (t = { writeOps: 0, writeItems: 0, readOps: 0 }));
    return t;
  };

  const record = (command: string, input: Input): void => {
    if (WRITE_ONE.has(command)) {
      const t = table(input.TableName);
      t.writeOps++;
      t.writeItems++;
    } else if (command === "BatchWriteItemCommand") {
      for (const [name, requests] of Object.entries((input.RequestItems ?? {}) as Record<string, unknown[]>)) {
        const t = table(name);
        t.writeOps++;
        t.writeItems += requests.length;
      }
    } else if (command === "TransactWriteItemsCommand") {
      // Billed per item; one operation per table it touches. A ConditionCheck also bills as a write.
      const names = new Set<string>();
      for (const item of (input.TransactItems ?? []) as TransactItem[]) {
        const name = String((item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck)?.TableName);
        table(name).writeItems++;
        names.add(name);
      }
      for (const name of names) table(name).writeOps++;
      transactions++;
    } else if (READ.has(command)) {
      if (command === "BatchGetItemCommand") {
        for (const name of Object.keys((input.RequestItems ?? {}) as object)) table(name).readOps++;
      } else {
        table(input.TableName).readOps++;
      }
    }
  };

  // `build` runs after the document client has marshalled, once per send (retries come later).
  client.middlewareStack.add(
    (next, context) => async (args) => {
      record(String(context.commandName), args.input as Input);
      return next(args);
    },
    { step: "build", name: "benchDynamoCounter" },
  );

  return {
    snapshot: (): DynamoCounts => ({
      byTable: Object.fromEntries([...byTable].map(([k, v]) => [k, { ...v }])),
      transactions,
    }),
  };
};

/** The change between two snapshots, per table (tables untouched in between are left out). */
export const diffCounts = (before: DynamoCounts, after: DynamoCounts): DynamoCounts => {
  const byTable: Record<string, TableCount> = {};
  for (const [name, a] of Object.entries(after.byTable)) {
    const b = before.byTable[name] ?? { writeOps: 0, writeItems: 0, readOps: 0 };
    const d = { writeOps: a.writeOps - b.writeOps, writeItems: a.writeItems - b.writeItems, readOps: a.readOps - b.readOps };
    if (d.writeOps !== 0 || d.writeItems !== 0 || d.readOps !== 0) byTable[name] = d;
  }
  return { byTable, transactions: after.transactions - before.transactions };
};

/**
 * Counts messages the event source has deleted (its DeleteMessageBatch successes), so a cycle is
 * over exactly when every dispatched message is gone from the queue.
 */
export const countDeletedMessages = (client: SQSClient) => {
  let deleted = 0;
  let waiters: { target: number; resolve: () => void }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === "DeleteMessageBatchCommand") {
        deleted += ((out.output as { Successful?: unknown[] }).Successful ?? []).length;
        const done = waiters.filter((w) => deleted >= w.target);
        waiters = waiters.filter((w) => deleted < w.target);
        for (const w of done) w.resolve();
      }
      return out;
    },
    { step: "initialize", name: "benchDeleteCounter" },
  );
  return {
    count: () => deleted,
    /** Resolves once `target` messages have been deleted in total; rejects after `ms`. */
    waitFor: (target: number, ms: number): Promise<void> =>
      deleted >= target
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              waiters = waiters.filter((w) => w.resolve !== done);
              reject(new Error(`only ${deleted} of ${target} messages were processed and deleted within ${ms} ms`));
            }, ms);
            const done = () => {
              clearTimeout(timer);
              resolve();
            };
            waiters.push({ target, resolve: done });
          }),
  };
};
