// What other domains may use of jobs (docs/architecture.md §2): the service that runs them and the artifacts they leave.
export type { JobContext, JobService } from './service';
export type { Artifacts } from './artifacts';
