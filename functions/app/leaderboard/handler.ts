import { runLeaderboardJob, type LeaderboardJobDeps, type LeaderboardJobSummary } from "#domain/leaderboard-job/job.js";
import { parseScheduledEvent } from "../scheduled.js";

/** Scheduled leaderboard job (default hourly). */
export const createLeaderboardHandler =
  (deps: LeaderboardJobDeps) =>
  async (event: unknown): Promise<LeaderboardJobSummary> => {
    parseScheduledEvent(event);
    return runLeaderboardJob(deps);
  };
