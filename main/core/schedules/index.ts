// What other domains may use of schedules (docs/architecture.md §2): the task a domain registers to be scheduled
// and the policy for the folders a scheduled run writes to.
export type { TaskDef } from './tasks';
export type { OutputFolderPolicy } from './output-folders';
