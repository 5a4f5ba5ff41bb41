import type { Context } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import { serverMessages } from "#domain/feed/messages.js";
import { ConnectionGoneError, type ConnectionStore, type FeedSender, type WelcomeClaim, type WelcomeState } from "#domain/feed/ports.js";

/**
 * The `connection` welcome is the first message a client receives, and it receives it once.
 *
 * ws-welcome sends it from the connections table's stream, which can lag behind a client that
 * sends a command the moment it is open: ws-default answers that directly, and API Gateway
 * delivers posts in the order they are made. So whichever function has something for a client
 * first (ws-welcome, ws-default, the fan-out worker) makes sure the welcome has gone out before:
 * one conditional write on the connection item claims the sending (one claimant wins), the winner
 * posts the welcome and then marks it sent, and the others wait for that mark before they post.
 *
 * A claim holds until its claimant's invocation is stopped (Lambda's timeout): after that nobody
 * can still be posting it, so it is taken over without risk of a second welcome. A send that fails
 * gives its claim back at once. Waiting is bounded: past WELCOME_WAIT_MS (a claimant stuck that
 * long means DynamoDB or API Gateway is failing) the waiter sends without it, and logs that.
 */

/** How long after connecting a 410 still means "not open yet" rather than "gone" (ws-welcome). */
export const OPENING_WINDOW_MS = 5_000;

/** The longest a function waits for another's welcome; ws-default must answer within its 10 s. */
export const WELCOME_WAIT_MS = 8_000;

/** A claim's life when its invocation's deadline is unknown (no Lambda context): Lambda's longest timeout. */
export const MAX_INVOCATION_MS = 15 * 60_000;

/** The claim of one invocation: it holds until Lambda stops that invocation. */
export const claimOf = (by: string, now: number, context?: Pick<Context, "getRemainingTimeInMillis">): WelcomeClaim => ({
  by,
  until: now + (context?.getRemainingTimeInMillis() ?? MAX_INVOCATION_MS),
});

export interface WelcomeFirstDeps {
  connections: ConnectionStore;
  sender: FeedSender;
  now: () => number;
  logger: AppLogger;
  waitMs?: number;
  /** Between posts to a connection that is not open yet (default 150 ms). */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * "sent": the welcome is out, anything may follow. "gone": the client left. "late": another
 * claimant has still not sent it after the wait; what follows goes without it.
 */
export type WelcomeOutcome = "sent" | "gone" | "late";

export interface WelcomeFirst {
  /**
   * Sends the welcome if `claim` wins. Until `openingUntil` (epoch ms) a 410 is retried: the
   * connection is not open yet. Otherwise returns the state that kept the claim from us.
   */
  claimAndSend(connectionId: string, claim: WelcomeClaim, o?: { openingUntil?: number }): Promise<"sent" | "gone" | WelcomeState>;
  /**
   * Resolves once the welcome has gone out, sending it when nobody else is. `known` is where it
   * stood, when the caller has just read it (it then costs no read).
   */
  ensure(connectionId: string, claim: WelcomeClaim, known?: WelcomeState): Promise<WelcomeOutcome>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const createWelcomeFirst = (deps: WelcomeFirstDeps): WelcomeFirst => {
  const waitMs = deps.waitMs ?? WELCOME_WAIT_MS;
  const retryDelay = deps.retryDelayMs ?? 150;
  const sleep = deps.sleep ?? defaultSleep;
  const { connections, logger, now } = deps;

  const post = async (connectionId: string, openingUntil: number): Promise<void> => {
    for (;;) {
      try {
        return await deps.sender.send(connectionId, serverMessages.connection(now()));
      } catch (error) {
        if (!(error instanceof ConnectionGoneError) || now() > openingUntil) throw error;
        await sleep(retryDelay);
      }
    }
  };

  const claimAndSend: WelcomeFirst["claimAndSend"] = async (connectionId, claim, o = {}) => {
    const claimed = await connections.claimWelcome(connectionId, claim, now());
    if (claimed === undefined) return "gone";
    if (claimed !== "won") return claimed;
    try {
      await post(connectionId, o.openingUntil ?? 0);
    } catch (error) {
      // Given back, so that nobody waits for it: the next message or a retried stream record sends
      // it, or, when the client has gone, whoever meets the 410 next removes the connection.
      await connections.releaseWelcome(connectionId, claim.by).catch((releaseError: unknown) =>
        logger.warn("Could not give back the welcome's claim", { connectionId, error: releaseError }),
      );
      if (error instanceof ConnectionGoneError) return "gone";
      throw error;
    }
    try {
      await connections.markWelcomed(connectionId, now());
    } catch (error) {
      // The client has it: throwing would have it sent again. Waiters go on after WELCOME_WAIT_MS.
      logger.error("Welcome sent but not recorded", { connectionId, error });
    }
    return "sent";
  };

  const ensure: WelcomeFirst["ensure"] = async (connectionId, claim, known) => {
    let state = known ?? (await connections.welcomeState(connectionId));
    // Never past our own invocation's end: what we have to send must still go out.
    const waitUntil = Math.min(now() + waitMs, claim.until - 1_000);
    for (let attempt = 0; ; attempt++) {
      if (state === undefined) return "gone";
      if (state.status === "sent") return "sent";
      if (state.status === "unclaimed" || state.until < now()) {
        const result = await claimAndSend(connectionId, claim);
        if (typeof result === "string") return result;
        state = result;
        continue;
      }
      if (now() >= waitUntil) {
        logger.warn("The welcome was not sent in time; sending without it", { connectionId, claimedBy: state.by });
        return "late";
      }
      // Someone is sending it now: a post takes milliseconds.
      await sleep(Math.min(20 * 2 ** attempt, 200));
      state = await connections.welcomeState(connectionId);
    }
  };

  return { claimAndSend, ensure };
};
