// Every table of every domain, gathered for drizzle-kit and the typed database handle.
export { auditCheckpointsTable, auditEventsTable } from '../audit/table';
export { jobsTable } from '../jobs/table';
export { serversTable } from '../servers/table';
export { apiKeysTable, loginThrottleTable, recoveryCodesTable, sessionsTable, usersTable } from '../auth/table';
export { settingsTable } from '../settings/table';
export { secretsTable, vaultSlotsTable, vaultStateTable } from '../vault/table';
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
} from '../health/table';
export { scheduleRunsTable, schedulesTable } from '../schedules/table';
export { alertAttemptsTable, alertChannelsTable, alertOutboxTable, alertRulesTable, alertSilencesTable } from '../alerts/table';
export { operationRunsTable, operationTargetsTable, runbooksTable, runbookVersionsTable, terminalRecordingsTable } from '../operations/table';
