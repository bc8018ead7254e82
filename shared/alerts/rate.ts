import { z } from 'zod';

/** The most a channel may be limited to: ten a second is more than any chat or paging service takes. */
export const RATE_PER_MINUTE_MAX = 600;

/**
 * A channel's rate limit (docs/alerts.md, "Rate limits"): at most this many notifications begun
 * in any minute, or null for none. What waits is sent later, never dropped. Where a service
 * publishes its own limit (Slack, Discord, Telegram, PagerDuty) that is the default, so a flood
 * queues here rather than meeting 429s there.
 */
export const ratePerMinute = (perMinute: number | null) =>
  z
    .number()
    .int('A whole number of notifications a minute')
    .min(1, 'At least 1 a minute, or none for no limit')
    .max(RATE_PER_MINUTE_MAX, `At most ${RATE_PER_MINUTE_MAX} a minute`)
    .nullable()
    .default(perMinute);
