import { sign } from "#commons/decimal.js";
import type { AppLogger } from "#commons/logger.js";
import type { Address } from "#domain/address.js";
import { openedByMessage } from "./engine-plan.js";
import type { LeaderSource } from "./engine-ports.js";
import type { FollowerConfig } from "./follower.js";
import type { CopyMessage } from "./messages.js";
import { legKey, type CopyMemory, type LeaderSnapshot, type Opening } from "./targets.js";

/**
 * A leg a run finds new without its opening's message: the message was lost, is still queued
 * behind this run, or the leader was added to the follower after he opened it. What the leg may
 * become depends on its opening: max_signal_age_seconds holds for it as for a message (an old
 * position must not be opened because a reconciliation, not its event, found it), and
 * fixed_notional sizes from his size then. So the run reads the opening from his stored events.
 */
export interface LegSignal {
  leader: Address;
  coin: string;
  /**
   * When he opened it (his event's time). Not found: the snapshot's time, which is no earlier,
   * so the age errs young, as a run without it would (it opened everything).
   */
  signalAt: number;
  opening?: Opening;
}

/** A leg this run starts copying: a leader's position on a side its memory does not know. */
interface NewLeg {
  leader: Address;
  coin: string;
  side: 1 | -1;
  /** The snapshot's state version and time. */
  version?: number;
  asOf?: number;
}

/**
 * The legs to read an opening for: new to a follower that has run before (its first run starts
 * from what the leaders hold: start decides), not opened by the run's own message, and only where
 * the opening matters (a max_signal_age_seconds cap, or fixed_notional sizing).
 */
export const legsWithoutOpening = (
  config: FollowerConfig,
  memory: CopyMemory | null,
  snapshots: readonly LeaderSnapshot[],
  message: CopyMessage,
): NewLeg[] => {
  if (memory === null) return [];
  const legs: NewLeg[] = [];
  for (const leader of config.leaders) {
    if (config.caps.maxSignalAgeSeconds === undefined && leader.sizing.mode !== "fixed_notional") continue;
    const snapshot = snapshots.find((s) => s.address === leader.address);
    for (const [coin, szi] of Object.entries(snapshot?.positions ?? {})) {
      const side = sign(szi);
      if (side === 0 || memory[legKey(leader.address, coin)]?.side === side) continue;
      if (openedByMessage(message, leader.address, coin, side)) continue;
      legs.push({ leader: leader.address, coin, side, ...(snapshot?.version !== undefined && { version: snapshot.version }), ...(snapshot?.asOf !== undefined && { asOf: snapshot.asOf }) });
    }
  }
  return legs;
};

/**
 * Each leg's opening, read from his events at or before the snapshot's version (one of the same
 * side: a close and reopen since is another position). A source that cannot read events, an
 * opening not found, or a read that failed (logged: the run goes on, as it would without the
 * read, rather than hold the follower's queue on it) leaves the snapshot's time; a leg with
 * neither is left without a signal.
 */
export const readLegSignals = async (leaders: Pick<LeaderSource, "opening">, legs: readonly NewLeg[], logger?: AppLogger): Promise<LegSignal[]> => {
  const read = async (leg: NewLeg) => {
    if (leaders.opening === undefined || leg.version === undefined) return null;
    try {
      return await leaders.opening(leg.leader, leg.coin, leg.version);
    } catch (error) {
      logger?.warn("Could not read a leader's opening; the run takes his snapshot's time for it", { leader: leg.leader, coin: leg.coin, error });
      return null;
    }
  };
  const found = await Promise.all(legs.map(read));
  const signals: LegSignal[] = [];
  for (const [i, leg] of legs.entries()) {
    const opening = found[i];
    if (opening !== null && opening !== undefined && sign(opening.szi) === leg.side) {
      signals.push({ leader: leg.leader, coin: leg.coin, signalAt: opening.signalAt, opening: { leader: leg.leader, coin: leg.coin, szi: opening.szi, version: opening.version } });
    } else if (leg.asOf !== undefined) {
      signals.push({ leader: leg.leader, coin: leg.coin, signalAt: leg.asOf });
    }
  }
  return signals;
};
