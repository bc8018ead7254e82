import { createAuthHandlers, type AuthHandlerDeps } from '../auth/handlers';
import type { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { systemInfo } from '@shared/api/system';
import { assertMayFetch, type Artifacts } from '../jobs/artifacts';
import { who } from './caller';
import type { JobService } from '../jobs/service';
import type { Clock } from '../clock';
import { exportServers } from '../servers/export';
import type { ServerProbe } from '../servers/probe';
import { runImport, type ImportDeps } from '../servers/import-job';
import { assertMayAddDefaultCheck, defaultCheckSpec } from '../health/default-check';
import { assertMayForwardAgent } from '../servers/agent-forwarding';
import type { ServerService } from '../servers/service';
import type { ScheduleMethodName } from '../schedules/handlers';
import { createVaultHandlers, type VaultHandlerDeps } from '../vault/handlers';
import { fromFirstWrite, type Handlers } from './router';
import { audienceOf } from '@shared/permissions';
import type { TerminalService } from '../operations';

type HealthMethodName = Extract<
  keyof Handlers,
  `checks.${string}` | `health.${string}` | `incidents.${string}` | `maintenance.${string}` | `monitoring.${string}`
>;

export interface HandlerDeps {
  servers: ServerService;
  probe: ServerProbe;
  jobs: JobService;
  /** The import's, and (its `checks`) where a new server's default check is refused or added. */
  importDeps: ImportDeps;
  clock: Clock;
  auth: AuthHandlerDeps;
  vault: VaultHandlerDeps;
  health: Pick<Handlers, HealthMethodName>;
  schedules: Pick<Handlers, ScheduleMethodName>;
  audit: Pick<Handlers, Extract<keyof Handlers, `audit.${string}`>>;
  alerts: Pick<Handlers, Extract<keyof Handlers, `alerts.${string}`>>;
  operations: Pick<Handlers, Extract<keyof Handlers, `operations.${string}` | `runbooks.${string}` | `terminal.${string}`>>;
  reports: Pick<Handlers, 'reports.generate'>;
  updates: Pick<Handlers, Extract<keyof Handlers, `updates.${string}`>>;
  /** What signing out ends. */
  terminals: Pick<TerminalService, 'closeFor'>;
  artifacts: Artifacts;
  saveFile: ((suggestedName: string, sourcePath: string) => Promise<string | null>) | undefined;
  info: () => z.output<typeof systemInfo.output>;
}

/** Each contract method is one service call; validation, permission and audit are the router's. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { servers, jobs, clock } = deps;
  const auth = createAuthHandlers(deps.auth);
  return {
    ...auth,
    // Signing out ends the terminals opened through that session at once (the sweep would within seconds).
    'auth.logout': async (input, ctx) => {
      const out = await auth['auth.logout'](input, ctx);
      if (ctx.principal) void deps.terminals.closeFor(audienceOf(ctx.principal), 'signed-out');
      return out;
    },
    ...createVaultHandlers(deps.vault),
    ...deps.health,
    ...deps.schedules,
    ...deps.audit,
    ...deps.alerts,
    ...deps.operations,
    ...deps.reports,
    ...deps.updates,
    'servers.list': (input) => servers.list(input),
    'servers.facets': () => servers.facets(),
    'servers.get': ({ id }) => servers.get(id),
    'servers.create': async ({ monitor, ...input }, ctx) => {
      const spec = defaultCheckSpec(input, monitor);
      assertMayForwardAgent(who(ctx), null, input);
      // Refused before the server is written, so a refusal leaves nothing behind.
      if (spec) {
        assertMayAddDefaultCheck(who(ctx));
        await deps.importDeps.checks.assertAllowed(spec);
      }
      const server = await servers.create(input);
      const check = spec ? await deps.importDeps.checks.add(server, spec) : null;
      return { ...server, check: spec && check ? { id: check.id, name: check.name, type: spec.type, port: spec.config.port } : null };
    },
    'servers.update': async (input, ctx) => {
      if (input.agentForwarding === true) assertMayForwardAgent(who(ctx), await servers.get(input.id), input);
      return servers.update(input);
    },
    'servers.delete': ({ id }) => servers.delete(id),
    'servers.import': (input, ctx) => {
      if (input.monitor) assertMayAddDefaultCheck(who(ctx));
      return jobs.start(
        {
          kind: 'servers.import',
          title: `Import servers from ${input.fileName ?? `a ${input.format} file`}`,
          createdBy: ctx.principal ? `${ctx.principal.kind}:${ctx.principal.id}` : 'anonymous',
        },
        (job) => runImport(deps.importDeps, input.format, input.content, job, { monitor: input.monitor }),
      );
    },
    'servers.export': async ({ format, ...filter }) => {
      // Jump hosts go by name, and may be servers the filters leave out.
      const names = new Map((await servers.all({})).map((server) => [server.id, server.name]));
      return exportServers(await servers.all(filter), format, clock.now(), (id) => names.get(id));
    },
    // A probe waits on the network and writes nothing.
    'servers.probe': fromFirstWrite(({ host, port, timeoutMs }, ctx) => deps.probe.probe(who(ctx), host, port, timeoutMs)),
    'jobs.list': async ({ limit }) => ({ items: await jobs.list(limit) }),
    'jobs.get': ({ id }) => jobs.get(id),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    // Waits for a person to choose where to save: no writer waits with them.
    'jobs.saveArtifact': fromFirstWrite(async ({ id }, ctx) => {
      const { artifact, path } = deps.artifacts.file(await jobs.get(id));
      assertMayFetch(who(ctx), artifact);
      if (!deps.saveFile) {
        throw new AppError('NOT_SUPPORTED_HERE', 'Saving through a dialog is for the desktop app.', {
          hint: `Download the file from GET /api/v1/jobs/${id}/artifact instead.`,
        });
      }
      return { savedTo: await deps.saveFile(artifact.fileName, path) };
    }),
    'system.info': () => deps.info(),
  };
}
