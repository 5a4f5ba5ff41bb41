import { randomBytes } from "node:crypto";
import { NotFoundError } from "#commons/errors.js";
import type { Address } from "#domain/address.js";
import { DEFAULT_ON_PAUSE } from "#domain/copy/follower.js";
import { followerBodySchema, followerPatchSchema, mergeFollowerPatch } from "#domain/copy/follower-schema.js";
import { updateFollowerUnderVersion, type FollowerChange } from "#domain/copy/follower-update.js";
import { copyQueueMessage } from "#domain/copy/messages.js";
import type { FollowerRecord, FollowerStore } from "#domain/copy/ports.js";
import { trackTraders } from "#domain/traders.js";
import { ConflictError, ServiceUnavailableError } from "../errors.js";
import {
  closeQuery,
  EQUITY_DEFAULT_DAYS,
  equityPointsSchema,
  equitySinceQuery,
  followerParams,
  followersPageSchema,
  followersQuery,
  followerViewSchema,
  ordersPageSchema,
  ordersQuery,
} from "../follower-schemas.js";
import { equityPointView, followerView, orderView } from "../follower-views.js";
import { parseOr400 } from "../route.js";
import type { RouteContext } from "./context.js";

/** `fol_` + 20 hex digits (80 random bits): unguessable, and short enough to read out. */
export const newFollowerId = (): string => `fol_${randomBytes(10).toString("hex")}`;

/** Two writers at once (a PATCH and a pause, or the engine's pause) conflict rarely; a few tries settle it. */
const UPDATE_ATTEMPTS = 4;

const followerNotFound = (id: string) => new NotFoundError(`Follower ${id} does not exist`);

export const registerFollowerRoutes = ({ router, deps, now, log }: RouteContext): void => {
  const store = (): FollowerStore => {
    if (deps.followers === undefined) throw new ServiceUnavailableError("Copy trading is not configured on this server (no followers table)");
    return deps.followers;
  };

  /** Leaders not tracked yet are tracked (as POST /traders/track would), so their events reach the engine. */
  const track = async (leaders: readonly Address[]) => {
    if (leaders.length > 0) await trackTraders(deps.traders, leaders, { source: "manual", at: now() });
  };

  /**
   * Tells the engine to reconcile the follower now. The request has succeeded either way: the
   * periodic reconcile acts within its interval, so a failed or impossible send is a warning.
   */
  const nudge = async (followerId: string, what: "create" | "update" | "resume" | "close" | "pause" | "stop") => {
    const at = now();
    if (deps.copyQueue === undefined) {
      log.warn("No copy queue (COPY_QUEUE_URL): the engine acts on its next periodic reconcile", { followerId, what });
      return;
    }
    const message = copyQueueMessage({ v: 1, follower_id: followerId, event_id: `api:${what}:${at}`, leader: null, coin: null, signal_at: at });
    const { error } = await deps.copyQueue.sendInOrder([message]);
    if (error !== undefined) log.warn("Could not send to the copy queue: the engine acts on its next periodic reconcile", { followerId, what, error });
  };

  const view = async (record: FollowerRecord) => followerView(record, await store().getAccount(record.id));

  const existing = async (id: string): Promise<FollowerRecord> => {
    const record = await store().get(id);
    if (record === undefined) throw followerNotFound(id);
    return record;
  };

  /**
   * Applies `decide`'s change under the version it read, reading again when another writer got
   * there first. `decide` returns null for "nothing to change" (the record is answered as it is).
   */
  const updateFollower = async (
    id: string,
    decide: (current: FollowerRecord, at: number) => Promise<FollowerChange | null>,
  ): Promise<{ record: FollowerRecord; changed: boolean }> => {
    const result = await updateFollowerUnderVersion({ store: store(), id, decide, now, attempts: UPDATE_ATTEMPTS });
    switch (result.outcome) {
      case "updated":
        return { record: result.record, changed: true };
      case "unchanged":
        return { record: result.record, changed: false };
      case "missing":
        throw followerNotFound(id);
      case "conflict":
        throw new ConflictError(`Follower ${id} kept changing while this request tried to change it; try again`);
    }
  };

  const idParams = { params: followerParams, tag: "followers", admin: true } as const;
  const viewResponse = (description: string) => ({ description, schema: followerViewSchema });

  router.add(
    {
      method: "post",
      path: "/followers",
      operationId: "createFollower",
      summary: "Create a follower: copy one or more leaders into one account, on paper or live (admin)",
      description:
        "Leaders not tracked yet are tracked. The engine runs the new follower at once: sync_now copies its leaders' current positions; " +
        "new_changes_only notes them and copies only what the leaders change from now on. A live follower's agent_key_ref names where its agent (API wallet) key is kept; the key itself is never sent here.",
      tag: "followers",
      admin: true,
      body: followerBodySchema,
      responses: { 201: viewResponse("The new follower") },
    },
    async (c, { body }) => {
      const at = now();
      const record: FollowerRecord = { id: newFollowerId(), config: body, state: "active", pause: null, closeRequested: false, createdAt: at, updatedAt: at, version: 1 };
      await track(body.leaders.map((l) => l.address));
      await store().create(record);
      log.info("Follower created", { followerId: record.id, mode: body.mode, leaders: body.leaders.length });
      // Every new follower's first run comes now, before any leader event: it is where new_changes_only
      // notes the positions already held (and sync_now copies them). A first run caused by an event
      // would count the very position that event opened as already held, and never copy it.
      await nudge(record.id, "create");
      return c.json(await view(record), 201);
    },
  );

  router.add(
    {
      method: "get",
      path: "/followers",
      operationId: "listFollowers",
      summary: "Followers, one page at a time (admin)",
      tag: "followers",
      admin: true,
      query: followersQuery,
      responses: { 200: { description: "A page of followers", schema: followersPageSchema } },
    },
    async (c, { query }) => {
      const page = await store().list({ limit: query.limit, ...(query.cursor !== undefined && { cursor: query.cursor }) });
      const followers = await Promise.all(page.items.map(view));
      return c.json({ followers, ...(page.cursor !== undefined && { cursor: page.cursor }) });
    },
  );

  router.add(
    {
      method: "get",
      path: "/followers/:id",
      operationId: "getFollower",
      summary: "One follower: config, state, positions, equity, PnL, fees and copy gap as of the engine's last run (admin)",
      ...idParams,
      responses: { 200: viewResponse("The follower"), 404: { description: "No such follower" } },
    },
    async (c, { params }) => c.json(await view(await existing(params.id))),
  );

  router.add(
    {
      method: "get",
      path: "/followers/:id/orders",
      operationId: "listFollowerOrders",
      summary: "The follower's orders, newest signal first, with their signal→order and signal→fill delays (admin)",
      ...idParams,
      query: ordersQuery,
      responses: { 200: { description: "A page of orders", schema: ordersPageSchema }, 404: { description: "No such follower" } },
    },
    async (c, { params, query }) => {
      await existing(params.id);
      const page = await store().listOrders(params.id, { limit: query.limit, ...(query.cursor !== undefined && { cursor: query.cursor }) });
      return c.json({ orders: page.items.map(orderView), ...(page.cursor !== undefined && { cursor: page.cursor }) });
    },
  );

  router.add(
    {
      method: "get",
      path: "/followers/:id/equity",
      operationId: "listFollowerEquity",
      summary: "The follower's equity curve, with each leader's account value at the same runs, oldest first (admin)",
      ...idParams,
      query: equitySinceQuery,
      responses: { 200: { description: "Equity points", schema: equityPointsSchema }, 404: { description: "No such follower" } },
    },
    async (c, { params, query }) => {
      await existing(params.id);
      const since = query.since ?? now() - EQUITY_DEFAULT_DAYS * 86_400_000;
      const points = await store().listEquity(params.id, since);
      return c.json({ points: points.map(equityPointView) });
    },
  );

  router.add(
    {
      method: "patch",
      path: "/followers/:id",
      operationId: "updateFollower",
      summary: "Change a follower's name, leaders, caps, webhook, on_pause or taker_fee_rate (admin)",
      description:
        "leaders and caps replace the whole list or object; alerts_webhook_url: null removes the webhook. " +
        "mode, start, paper_balance_usd, account_address, agent_key_ref and network are fixed at creation (400 naming the field). New leaders are tracked; " +
        "with start new_changes_only, what an added leader holds when the engine first sees him is not copied (his new positions are), as at the follower's start. " +
        "An active follower is reconciled at once under its new config.",
      ...idParams,
      body: followerPatchSchema,
      responses: { 200: viewResponse("The follower as changed"), 404: { description: "No such follower" }, 409: { description: "Other writes kept overtaking this one" } },
    },
    async (c, { params }) => {
      // The schema checked each field; the merge takes them as sent and checks the whole config again.
      const patch = c.get("jsonBody") as Record<string, unknown>;
      const { record, changed } = await updateFollower(params.id, async (current) => {
        const config = parseOr400(followerBodySchema, mergeFollowerPatch(current.config, patch), "body");
        const before = new Set(current.config.leaders.map((l) => l.address));
        await track(config.leaders.map((l) => l.address).filter((a) => !before.has(a)));
        return { config };
      });
      // New caps, sizing or leaders apply at once, not at the next event or periodic reconcile.
      if (changed && record.state === "active") await nudge(record.id, "update");
      return c.json(await view(record));
    },
  );

  router.add(
    {
      method: "post",
      path: "/followers/:id/pause",
      operationId: "pauseFollower",
      summary: "Pause a follower (admin): it copies nothing until resumed; on_pause says whether its positions are kept or closed",
      ...idParams,
      responses: { 200: viewResponse("The follower, paused"), 404: { description: "No such follower" }, 409: { description: "The follower is stopped" } },
    },
    async (c, { params }) => {
      const { record, changed } = await updateFollower(params.id, async (current, at) => {
        if (current.state === "stopped") throw new ConflictError(`Follower ${params.id} is stopped: there is nothing to pause`);
        if (current.state === "paused") return null;
        const close = (current.config.onPause ?? DEFAULT_ON_PAUSE) === "close";
        return { state: "paused", pause: { reason: "user", message: "Paused by the user", at }, closeRequested: close };
      });
      // A pause that keeps the positions is nudged too: the engine reads the last fills' fees at once.
      if (changed) await nudge(record.id, record.closeRequested ? "close" : "pause");
      return c.json(await view(record));
    },
  );

  router.add(
    {
      method: "post",
      path: "/followers/:id/resume",
      operationId: "resumeFollower",
      summary: "Resume a paused follower (admin): it trades to its targets again at once",
      ...idParams,
      responses: { 200: viewResponse("The follower, active"), 404: { description: "No such follower" }, 409: { description: "The follower is stopped (create a new one)" } },
    },
    async (c, { params }) => {
      const { record, changed } = await updateFollower(params.id, async (current) => {
        if (current.state === "stopped") throw new ConflictError(`Follower ${params.id} is stopped: a stopped follower cannot resume; create a new one`);
        if (current.state === "active") return null;
        return { state: "active", pause: null, closeRequested: false };
      });
      if (changed) await nudge(record.id, "resume");
      return c.json(await view(record));
    },
  );

  router.add(
    {
      method: "delete",
      path: "/followers/:id",
      operationId: "stopFollower",
      summary: "Stop a follower for good (admin); with close=true its positions are closed first. Its orders and equity curve are kept",
      ...idParams,
      query: closeQuery,
      responses: { 200: viewResponse("The follower, stopped"), 404: { description: "No such follower" } },
    },
    async (c, { params, query }) => {
      const { record, changed } = await updateFollower(params.id, async (current) => {
        const closeRequested = current.closeRequested || query.close;
        if (current.state === "stopped" && closeRequested === current.closeRequested) return null;
        return { state: "stopped", closeRequested };
      });
      if (changed) await nudge(record.id, record.closeRequested ? "close" : "stop");
      return c.json(await view(record));
    },
  );
};
