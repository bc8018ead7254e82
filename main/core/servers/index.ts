// What other domains may use of the inventory (docs/architecture.md §2): its service and the reads of its directory.
export type { ServerService } from './service';
export { ServerDirectory, type ServerInfo } from './directory';
