import type { Server } from '@shared/api/servers';
import type { ServerHealth } from '@shared/api/health';
import { useMethodMutation, useMethodQuery } from '../../api/hooks';
import { HOME_HREF, serverTerminalHref } from '../../app/routes';
import { useCan } from '../../auth/session';
import { TerminalIcon } from '../../operations/icons';
import { runOnServers } from '../../operations/operations-store';
import { toast } from '../../state/toast-store';
import { ErrorState } from '../../ui/ErrorState';
import { formatDateTime, formatRelative } from '../../ui/format';
import { PlusIcon } from '../../ui/icons';
import { EmptyState, LoadingState } from '../../ui/PageParts';
import type { ServerTarget } from '../editor/check-form';
import { useHealthDialogs } from '../health-dialog-store';
import { PauseIcon, PlayIcon } from '../icons';
import { ChecksTable, StatusPill, targetOf } from './ChecksTable';
import { IncidentTimeline } from './IncidentTimeline';
import { LatencySection } from './LatencySection';
import { MaintenanceSection } from './MaintenanceSection';
import { ServerCapControl } from './ServerCapControl';
import { UptimeBars } from './UptimeBars';

const UPTIME_REFRESH_MS = 120_000;

function target(server: Server): ServerTarget {
  return { id: server.id, name: server.name, host: server.host, port: server.port, user: server.user };
}

function PauseAll({ health, server }: { health: ServerHealth; server: Server }) {
  const pause = useMethodMutation('checks.pause');
  const resume = useMethodMutation('checks.resume');
  if (health.checks.length === 0) return null;
  const allPaused = health.checks.every((check) => check.paused);
  const mutation = allPaused ? resume : pause;
  return (
    <button
      type="button"
      className="button"
      disabled={mutation.isPending}
      onClick={() =>
        mutation.mutate(
          { serverId: server.id },
          {
            onSuccess: ({ ids }) =>
              toast.success(`${allPaused ? 'Resumed' : 'Paused'} ${ids.length} ${ids.length === 1 ? 'check' : 'checks'} of ${server.name}`),
            onError: (error) => toast.error(error),
          },
        )
      }
    >
      {allPaused ? <PlayIcon /> : <PauseIcon />}
      {allPaused ? 'Resume all' : 'Pause all'}
    </button>
  );
}

/** Another server this one is linked to, by name: the jump host SSH goes through, the server it depends on. */
function LinkedServerNote({ id, words, testId }: { id: string; words: string; testId: string }) {
  const linked = useMethodQuery('servers.get', { id });
  return (
    <span className="page__count" data-testid={testId}>
      {words} <span className="mono">{linked.data ? `${linked.data.name} (${linked.data.host})` : linked.isError ? 'a server that is gone' : '…'}</span>
    </span>
  );
}

function Header({ server, health }: { server: Server; health: ServerHealth }) {
  const can = useCan();
  const mayWrite = can('servers:write');
  const mayRun = can('operations:run');
  const mayOpenTerminal = can('terminal:open');
  const open = useHealthDialogs((state) => state.open);
  return (
    <div className="page__header">
      <div className="page__title-group">
        <h1 className="page__title">{server.name}</h1>
        <StatusPill state={health.status} />
        {/* The host and SSH port are the server's; the status comes from what its checks watch, named apart. */}
        <span className="page__count" data-testid="server-address">
          <span className="mono">{server.host}</span> · SSH port <span className="mono">{server.port}</span>
        </span>
        {server.jumpHostId !== null ? <LinkedServerNote id={server.jumpHostId} words="SSH through" testId="server-jump-host" /> : null}
        {server.dependsOnId !== null ? <LinkedServerNote id={server.dependsOnId} words="Depends on" testId="server-depends-on" /> : null}
        {server.agentForwarding ? (
          <span className="page__count" data-testid="server-agent-forwarding" title="Commands run on it get Guardian’s SSH agent forwarded (as ssh -A)">
            SSH agent forwarded
          </span>
        ) : null}
        <span className="page__count" data-testid="server-watches">
          {health.checks.length === 0 ? (
            'Not watched: no checks'
          ) : (
            <>
              Watching <span className="mono">{[...new Set(health.checks.map((check) => targetOf(check)))].join(', ')}</span>
            </>
          )}
        </span>
        {health.since !== null ? (
          <span className="page__count" title={formatDateTime(health.since)}>
            since {formatRelative(health.since)}
          </span>
        ) : null}
      </div>
      {mayWrite || mayRun || mayOpenTerminal ? (
        <div className="page__actions">
          {mayOpenTerminal ? (
            <a className="button" href={serverTerminalHref(server.id)} data-testid="open-terminal">
              <TerminalIcon />
              Open terminal
            </a>
          ) : null}
          {mayRun ? (
            <button type="button" className="button" onClick={() => runOnServers([server.id])} data-testid="run-on-server">
              <TerminalIcon />
              Run a command
            </button>
          ) : null}
          {mayWrite ? (
            <>
              <PauseAll health={health} server={server} />
              <button type="button" className="button button--primary" onClick={() => open({ kind: 'check-create', server: target(server) })}>
                <PlusIcon />
                Add check
              </button>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function Body({ server, health }: { server: Server; health: ServerHealth }) {
  const mayWrite = useCan()('servers:write');
  const open = useHealthDialogs((state) => state.open);
  return (
    <div className="server-health">
      <section className="panel" aria-labelledby="checks-title">
        <h2 className="panel__title" id="checks-title">
          Checks <span className="muted">{health.checks.length}</span>
        </h2>
        {health.checks.length === 0 ? (
          <EmptyState title="No checks yet" testId="checks-empty">
            <p className="state__text">A check is how Guardian watches {server.name}: a TCP port, an HTTP(S) URL, a certificate, DNS, SSH or a game server.</p>
            {mayWrite ? (
              <button type="button" className="button button--primary" onClick={() => open({ kind: 'check-create', server: target(server) })}>
                Add the first check
              </button>
            ) : null}
          </EmptyState>
        ) : (
          <>
            <ChecksTable checks={health.checks} server={target(server)} />
            <ServerCapControl server={target(server)} />
          </>
        )}
      </section>
      <LatencySection serverId={server.id} />
      <div className="server-health__pair">
        <UptimeBars uptime={health.uptime} />
        <MaintenanceSection server={target(server)} />
      </div>
      <IncidentTimeline serverId={server.id} />
    </div>
  );
}

/** One server's health: checks, latency, uptime, incidents and maintenance windows. */
export function ServerHealthPage({ serverId }: { serverId: string }) {
  const server = useMethodQuery('servers.get', { id: serverId });
  // Checks, status and incidents follow events; the uptime figures are refreshed now and then.
  const health = useMethodQuery('health.server', { id: serverId }, { refetchInterval: UPTIME_REFRESH_MS });
  const error = server.error ?? health.error;

  return (
    <div className="page" data-testid="server-health-page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <a href={HOME_HREF}>Overview</a> <span aria-hidden="true">›</span> <a href="#/servers">Servers</a>
      </nav>
      {server.data && health.data ? (
        <>
          <Header server={server.data} health={health.data} />
          <div className="page__content page__content--scroll">
            <Body server={server.data} health={health.data} />
          </div>
        </>
      ) : error ? (
        <ErrorState
          error={error}
          what="this server’s health"
          onRetry={() => {
            void server.refetch();
            void health.refetch();
          }}
        />
      ) : (
        <LoadingState>Loading the server’s health…</LoadingState>
      )}
    </div>
  );
}
