import { request } from "undici";
import { isoOrNull } from "#commons/iso-time.js";
import type { AppLogger } from "#commons/logger.js";
import type { CopyAlert } from "#domain/copy/engine-ports.js";
import { webhookUrl } from "#domain/copy/follower-schema.js";
import { orderFields, orderTimes } from "#domain/copy/order-fields.js";
import type { CopyOrder, FollowerRecord } from "#domain/copy/ports.js";

/**
 * The follower's webhook (`alerts_webhook_url`): a JSON POST on every pause, error and fill. Best
 * effort: 5 s at most, a failure is logged and never fails the run (the run's work is committed
 * already, and a retried message would not alert again anyway). The body says what happened and
 * nothing of the follower's config: no agent key reference, no account.
 */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/** The order's fields and times as the API shows them. */
const orderView = (o: CopyOrder) => ({ ...orderFields(o), ...orderTimes(o) });

export const alertBody = (alert: CopyAlert): Record<string, unknown> => {
  const base = { type: alert.kind, follower_id: alert.followerId, follower_name: alert.name };
  switch (alert.kind) {
    case "pause":
      return { ...base, reason: alert.reason, message: alert.message, at: isoOrNull(alert.at) };
    case "fill":
      return { ...base, order: orderView(alert.order), at: isoOrNull(alert.order.filledAt) };
    case "error":
      return { ...base, message: alert.message, ...(alert.order !== undefined && { order: orderView(alert.order) }), at: isoOrNull(alert.at) };
  }
};

export const createWebhookAlerts =
  (logger: AppLogger, timeoutMs = WEBHOOK_TIMEOUT_MS) =>
  async (record: FollowerRecord, alert: CopyAlert): Promise<void> => {
    const raw = record.config.alertsWebhookUrl;
    if (raw === undefined) return;
    // Checked again where it leaves: a stored URL is still an input from outside.
    const url = webhookUrl.safeParse(raw);
    if (!url.success) {
      logger.warn("A follower's alerts webhook URL is not allowed; no alert sent", { followerId: record.id });
      return;
    }
    try {
      const response = await request(url.data, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alertBody(alert)),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode >= 300) logger.warn("The alerts webhook refused an alert", { followerId: record.id, status: response.statusCode, kind: alert.kind });
    } catch (error) {
      logger.warn("Could not post an alert to the follower's webhook", { followerId: record.id, kind: alert.kind, error });
    }
  };
