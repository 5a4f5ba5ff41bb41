import type { FollowerConfig } from "./follower.js";
import type { FollowerRecord } from "./ports.js";

/** A new follower as it is first stored: active, not paused, nothing to close, version 1. */
export const newFollowerRecord = (id: string, config: FollowerConfig, at: number): FollowerRecord => ({
  id,
  config,
  state: "active",
  pause: null,
  closeRequested: false,
  createdAt: at,
  updatedAt: at,
  version: 1,
});
