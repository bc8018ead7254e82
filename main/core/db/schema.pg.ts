// Every table of every domain for PostgreSQL, gathered as schema.ts gathers SQLite's, for drizzle-kit and the typed database handle.
export { auditCheckpointsTable, auditEventsTable } from '../audit/table.pg';
export { jobsTable } from '../jobs/table.pg';
export { serversTable } from '../servers/table.pg';
export { apiKeysTable, loginThrottleTable, recoveryCodesTable, sessionsTable, usersTable } from '../auth/table.pg';
export { settingsTable } from '../settings/table.pg';
export { secretsTable, vaultSlotsTable, vaultStateTable } from '../vault/table.pg';
export {
  checksTable,
  checkStatesTable,
  healthMessagesTable,
  healthResultsTable,
  healthRollupsTable,
  hostKeysTable,
  incidentsTable,
  maintenanceTable,
  serverCheckLimitsTable,
} from '../health/table.pg';
export { scheduleRunsTable, schedulesTable } from '../schedules/table.pg';
export { alertAttemptsTable, alertChannelsTable, alertOutboxTable, alertRulesTable, alertSilencesTable } from '../alerts/table.pg';
export { operationRunsTable, operationTargetsTable, runbooksTable, runbookVersionsTable, terminalRecordingsTable } from '../operations/table.pg';
