import { z } from 'zod';
import { ratePerMinute } from './rate';
import { messageTemplate } from './template';

/**
 * An email channel's config (docs/alerts.md): the SMTP server it sends through and who gets the
 * mail. The login's password is not here: it is in the vault, named by the channel.
 */

const Address = z.email('An email address such as oncall@example.net').max(254, 'At most 254 characters');

/** shared/ runs in the renderer too, so no node:net: an IPv4 address, or an IPv6 one (hex and colons). */
const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;
const NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

/** A host name or IP address, without a scheme or port. */
const Host = z
  .string()
  .trim()
  .min(1, 'Enter the SMTP server')
  .max(253, 'At most 253 characters')
  .refine((value) => ADDRESS.test(value) || NAME.test(value), {
    message: 'A host name or IP address such as smtp.example.net, without scheme or port',
  });

export const EMAIL_SECURITY = ['starttls', 'tls', 'none'] as const;

export const emailConfig = z
  .strictObject({
    host: Host,
    /** 587 for STARTTLS (submission), 465 for TLS from the start. */
    port: z.number().int().min(1).max(65_535).default(587),
    /**
     * `starttls`: connect in clear and upgrade, refusing a server that cannot; `tls`: TLS from the
     * first byte; `none`: no encryption at all, only when chosen (a relay on a trusted network).
     */
    security: z.enum(EMAIL_SECURITY).default('starttls'),
    /** The login name, when the server wants one; its password is the channel's vault secret. */
    username: z.string().trim().min(1).max(256).nullable().default(null),
    from: Address,
    to: z.array(Address).min(1, 'Name at least one recipient').max(50, 'At most 50 recipients'),
    /** Check the server's TLS certificate. Off only for a server with a self-signed certificate you trust. */
    verifyTls: z.boolean().default(true),
    /** How long connecting, each command and the whole message may take; a timeout is retried. */
    timeoutMs: z.number().int().min(1000, 'At least 1 s').max(60_000, 'At most 60 s').default(15_000),
    /** Messages sent through this server at once. */
    maxConcurrent: z.number().int().min(1).max(8, 'At most 8').default(2),
    ratePerMinute: ratePerMinute(null),
    /** The message's own wording (the title is the subject); Guardian's where empty (shared/alerts/template.ts). */
    template: messageTemplate,
  })
  .refine((config) => config.security !== 'none' || config.username === null, {
    message: 'No login over an unencrypted connection: choose starttls or tls',
    path: ['username'],
  });
export type EmailConfig = z.output<typeof emailConfig>;
