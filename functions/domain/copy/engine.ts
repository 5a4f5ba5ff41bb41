import type { Address } from "#domain/address.js";
import { isFill, isOrderError, killSwitchFor, nextAccount, withResult } from "./engine-account.js";
import { onPauseOf, planRun } from "./engine-plan.js";
import { createRunReads } from "./engine-reads.js";
import { settleFills, unsettledFields, withSettlement } from "./engine-settle.js";
import type { CopyRunCounts, EngineDeps } from "./engine-ports.js";
import { updateFollowerUnderVersion } from "./follower-update.js";
import type { CopyMessage } from "./messages.js";
import type { CopyAccount, FollowerRecord, PauseReason } from "./ports.js";

/**
 * The copy engine: one message reconciles one follower. It trades the difference between the
 * follower's target positions (from the leaders' positions as tracking stored them) and its actual
 * ones, so a missed, late or doubled message corrects itself on the next run. Exactly once:
 * orders are written `pending` before they are sent, with cloids derived from the follower and
 * the message's event; a run after a crash first asks the venue what became of them, then plans
 * against the actual position, so a redelivered message trades nothing twice.
 */

export type RunOutcome =
  | { status: "done"; orders: number; paused?: PauseReason }
  | { status: "skipped"; why: "missing" | "inactive" | "no_leader_baseline" }
  | { status: "paused"; reason: PauseReason };

/** Runs that lost the race for the account (another run committed first) are tried again this often. */
export const MAX_RUN_ATTEMPTS = 5;
/**
 * Refusals in a row (no fill between) that pause a follower (`order_errors`). Refusals are the
 * venue's answers, not transport failures (those are retried); five say the account cannot trade
 * as configured, whatever the next event brings.
 */
export const ORDER_ERRORS_TO_PAUSE = 5;
/** One equity point a minute per follower at most, unless a fill happened. */
export const EQUITY_POINT_INTERVAL_MS = 60_000;

class Conflict extends Error {}

export const createCopyEngine = (deps: EngineDeps) => {
  const read = createRunReads(deps);
  const counts = (): CopyRunCounts => ({ ordersSent: 0, orderErrors: 0, followersPaused: 0, signalToOrderMs: [] });

  /** Pauses the follower (the kill switch, a missing agent key), retrying a lost race on the record; true when this paused it. */
  const pause = async (record: FollowerRecord, reason: PauseReason, message: string, close: boolean, run: CopyRunCounts) => {
    let pausedAt = 0;
    const result = await updateFollowerUnderVersion({
      store: deps.store,
      id: record.id,
      current: record,
      now: deps.now,
      attempts: MAX_RUN_ATTEMPTS,
      // Already paused or stopped (by the user, or another run): that pause stands.
      decide: (current, at) => {
        pausedAt = at;
        return current.state === "active" ? { state: "paused", pause: { reason, message, at }, closeRequested: close } : null;
      },
    });
    if (result.outcome !== "updated") return false;
    run.followersPaused++;
    deps.logger.warn("Follower paused", { followerId: record.id, reason, why: message });
    await deps.alert?.(result.record, { kind: "pause", followerId: record.id, name: record.config.name, reason, message, at: pausedAt });
    return true;
  };

  const runOnce = async (message: CopyMessage, run: CopyRunCounts): Promise<RunOutcome> => {
    const startedAt = deps.now();
    const reads = await read(message);
    if (reads.kind === "inactive") {
      await finalSettle(reads.record, reads.account);
      return { status: "skipped", why: reads.kind };
    }
    if (reads.kind === "missing" || reads.kind === "no_leader_baseline") return { status: "skipped", why: reads.kind };
    if (reads.kind === "unavailable") {
      await pause(reads.record, reads.unavailable.reason, reads.unavailable.message, false, run);
      return { status: "paused", reason: reads.unavailable.reason };
    }
    const { record, account, leaders, venue, resolved, before, placed, mids: allMids, szDecimals, memory, signals } = reads;
    const closeAll = record.closeRequested;

    const now = deps.now();
    const readMs = now - startedAt;
    const plan = planRun({
      followerId: record.id,
      config: record.config,
      message,
      memory,
      snapshots: leaders,
      actual: before.positions,
      followerEquityUsd: before.equityUsd,
      mids: allMids,
      szDecimals,
      closeAll,
      now,
      placed,
      signals,
    });

    // Written before they are sent: a crash from here on leaves them pending, and the next run
    // asks the venue about them before planning anything. Not on paper: its ledger is written
    // with the results, so a run that crashes before them traded nothing and has nothing to ask.
    let version = account.version;
    const paper = venue.ledger !== undefined;
    if ((plan.orders.length > 0 && !paper) || resolved.length > 0) {
      const pendingWrite = await deps.store.commit({ account, orders: [...resolved.map((r) => r.order), ...plan.orders.map((o) => o.order)] });
      if (pendingWrite === "conflict") throw new Conflict();
      version++;
    }

    const results = plan.orders.length > 0 ? await venue.place(plan.orders.map((o) => o.venue), allMids) : [];
    const answeredAt = deps.now();
    const orders = plan.orders.map((o, i) => {
      const result = results[i] ?? { status: "rejected" as const, error: "the venue gave no answer for it", retryable: true };
      const order = withResult(o.order, result, answeredAt);
      run.ordersSent++;
      // Only a leader event has a signal to measure from (a reconciliation's time is its interval's).
      if (o.order.leader !== null) run.signalToOrderMs.push(Math.max(0, (o.order.sentAt ?? answeredAt) - o.order.signalAt));
      if (isOrderError(result)) run.orderErrors++;
      return { order, result };
    });
    const fills = [...resolved, ...orders].flatMap(({ result }) =>
      isFill(result) ? [{ closedPnlUsd: result.closedPnlUsd, feeUsd: result.feeUsd }] : [],
    );

    // A live follower's earlier fills get their fee and closed PnL beside the account read (engine-settle.ts).
    const [after, settlement] = await Promise.all([
      venue.account(),
      settleFills({ account, placed: orders.map((o) => o.order), venue, now: answeredAt, logger: deps.logger }),
    ]);
    const leaderEquityUsd: Record<Address, string> = {};
    for (const s of leaders) leaderEquityUsd[s.address] = s.equityUsd;
    const ledger = venue.ledger?.();
    const accounted = nextAccount({
      previous: { ...account, version },
      memory: plan.memory,
      carried: plan.carried,
      ...(ledger !== undefined && { ledger }),
      positions: after.positions,
      equityUsd: after.equityUsd,
      leaderEquityUsd,
      mids: allMids,
      fills: [...fills, ...settlement.fills],
      now: answeredAt,
    });
    const refusals = [...resolved, ...orders].filter(({ result }) => isOrderError(result));
    const errorsInARow = fills.length > 0 ? 0 : (account.orderErrorsInARow ?? 0) + refusals.length;
    const next: CopyAccount = { ...accounted, ...unsettledFields(settlement), ...(errorsInARow > 0 && { orderErrorsInARow: errorsInARow }) };
    // An order settled in the run that placed it is written once, with its fee.
    const rewritten = new Map(settlement.settled.map((o) => [o.cloid, o]));
    const runCloids = new Set(orders.map((o) => o.order.cloid));
    const written = [...orders.map((o) => rewritten.get(o.order.cloid) ?? o.order), ...settlement.settled.filter((o) => !runCloids.has(o.cloid))];
    const recent = fills.length > 0 ? [] : await deps.store.listEquity(record.id, answeredAt - EQUITY_POINT_INTERVAL_MS + 1);
    const equity = recent.length === 0 ? { time: answeredAt, equityUsd: after.equityUsd, leaderEquityUsd } : undefined;
    const committed = await deps.store.commit({ account: next, orders: written, ...(equity !== undefined && { equity }) });
    if (committed === "conflict") throw new Conflict();

    for (const { order, result } of [...resolved, ...orders]) {
      if (isFill(result)) await deps.alert?.(record, { kind: "fill", followerId: record.id, name: record.config.name, order });
      else if (isOrderError(result)) {
        const text = result.status === "rejected" ? result.error : result.status;
        await deps.alert?.(record, { kind: "error", followerId: record.id, name: record.config.name, message: text, order, at: answeredAt });
      }
    }
    if (plan.unpriced.length > 0) {
      deps.logger.warn("Coins off target left as they are: no mid price or not listed", { followerId: record.id, coins: plan.unpriced });
    }
    deps.logger.info("Follower reconciled", {
      followerId: record.id,
      eventId: message.event_id,
      orders: orders.length,
      fills: fills.length,
      equityUsd: after.equityUsd,
      stale: plan.stale,
      unpriced: plan.unpriced,
      // Where signal→order goes: to the run's start (stream, dispatch, queue), its reads, the venue.
      ms: { queued: startedAt - message.signal_at, read: readMs, venue: answeredAt - now, total: deps.now() - startedAt },
    });

    if (closeAll) {
      // Closed when nothing is left: then the request is done (a partial IOC leaves it for the next
      // run), and the run after it, finding the follower inactive, reads the closing fills' fees.
      if (Object.keys(after.positions).length === 0 && (await clearClose(record))) await runOnce(message, run);
      return { status: "done", orders: orders.length };
    }
    // The kill switch first: its on_pause may close the positions, which a loss calls for.
    const decision = killSwitchFor(record, next);
    if (decision.pause) {
      const close = onPauseOf(record.config) === "close";
      // At once, not at the next message: on_pause=close closes the positions; keep reads the
      // last fills' fees (no run comes while it is paused). Only after this run paused it: a
      // follower someone else changed meanwhile waits for its next message.
      if (await pause(record, decision.reason, decision.message, close, run)) await runOnce(message, run);
      return { status: "done", orders: orders.length, paused: decision.reason };
    }
    if (refusals.length > 0 && errorsInARow >= ORDER_ERRORS_TO_PAUSE) {
      const last = refusals.at(-1)!.result;
      const why = `the venue refused ${errorsInARow} orders in a row with no fill between (the last: ${last.status === "rejected" ? last.error : last.status}); fix the cause (the agent's approval, margin, the address-based limit, the caps), then resume`;
      // Kept, not closed: the closing orders would most likely be refused too.
      if (await pause(record, "order_errors", why, false, run)) await runOnce(message, run);
      return { status: "done", orders: orders.length, paused: "order_errors" };
    }
    return { status: "done", orders: orders.length };
  };

  /**
   * A paused or stopped follower's live fills still waiting for their fee and closed PnL are read
   * at once (engine-settle.ts `final`): no run may come an interval later to read them, and a
   * stopped follower's realized PnL would miss its closing trades.
   */
  const finalSettle = async (record: FollowerRecord, account: CopyAccount) => {
    if ((account.unsettled ?? []).length === 0) return;
    const choice = await deps.venueFor({ record, account, mids: {} });
    if ("unavailable" in choice) return;
    const settlement = await settleFills({ account, placed: [], venue: choice.venue, now: deps.now(), logger: deps.logger, final: true });
    if (settlement.fillsReadAt === account.fillsReadAt) return;
    const committed = await deps.store.commit({ account: withSettlement(account, settlement), orders: settlement.settled });
    if (committed === "conflict") throw new Conflict();
  };

  /** The close-all is done: the request is cleared (unless someone cleared it first); true when this cleared it. */
  const clearClose = async (record: FollowerRecord): Promise<boolean> => {
    const result = await updateFollowerUnderVersion({
      store: deps.store,
      id: record.id,
      current: record,
      now: deps.now,
      attempts: MAX_RUN_ATTEMPTS,
      decide: (current) => (current.closeRequested ? { closeRequested: false } : null),
    });
    return result.outcome === "updated";
  };

  /** Reconciles the message's follower; a lost race re-runs it from the start (bounded). */
  return async (message: CopyMessage): Promise<RunOutcome> => {
    const run = counts();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await runOnce(message, run);
        } catch (error) {
          if (!(error instanceof Conflict) || attempt >= MAX_RUN_ATTEMPTS) throw error;
          deps.logger.info("Another run moved the follower's account first; planning again", { followerId: message.follower_id, attempt });
        }
      }
    } finally {
      deps.publishCounts?.(run);
    }
  };
};

export type CopyEngine = ReturnType<typeof createCopyEngine>;
