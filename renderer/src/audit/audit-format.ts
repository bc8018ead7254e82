import type { AuditEvent } from '@shared/api/audit';

/** Who acted, as people read it: the name at the time, else the principal id. */
export const actorLabel = (event: Pick<AuditEvent, 'actor' | 'actorName'>): string => event.actorName ?? event.actor;

export type OutcomeTone = 'good' | 'bad';

export const outcomeTone = (outcome: string): OutcomeTone => (outcome === 'ok' ? 'good' : 'bad');

/** Event details as people read JSON: sorted as stored, indented. */
export const formatDetails = (details: Record<string, unknown>): string => JSON.stringify(details, null, 2);

/** Exact UTC time with milliseconds: the audit log's own clock, for comparing with other logs. */
export const isoTime = (at: number): string => new Date(at).toISOString();
