// What other domains may use of operations (docs/architecture.md §2): the service that runs commands on servers.
export type { OperationsService } from './service';
