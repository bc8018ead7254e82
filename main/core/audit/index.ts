// What other domains may use of the audit log (docs/architecture.md §2): the audit summary report's reads,
// and the shape of an event a domain that audits its own work (operations) hands to the audit store.
export type { AuditEntry } from './log';
export { auditCounts, auditFailures, auditSeqAt, type AuditCountRow, type AuditFailureRow } from './summary';
