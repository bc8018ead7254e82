// What other domains may use of operations (docs/architecture.md §2): the service that runs commands on servers, and the runbooks it runs.
export type { OperationsService } from './service';
export type { RunbookService } from './runbooks';
export type { TerminalService } from './terminal';
