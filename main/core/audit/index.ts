// What other domains may use of the audit log (docs/architecture.md §2): the audit summary report's reads.
export { auditCounts, auditFailures, auditSeqAt, type AuditCountRow, type AuditFailureRow } from './summary';
