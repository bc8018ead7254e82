import type { MaintenanceWindow } from '@shared/api/maintenance';
import { useMethodQuery } from '../../api/hooks';
import { useCan } from '../../auth/session';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { formatDateTime } from '../../ui/format';
import { PlusIcon, TrashIcon } from '../../ui/icons';
import type { ServerTarget } from '../editor/check-form';
import { useHealthDialogs } from '../health-dialog-store';

/** A window's schedule in words. */
export function scheduleText(window: MaintenanceWindow): string {
  const schedule = window.schedule;
  if (schedule.kind === 'once') return `${formatDateTime(schedule.startsAt)} – ${formatDateTime(schedule.endsAt)}`;
  return `“${schedule.cron}” (${schedule.timezone}) for ${schedule.durationMinutes} min`;
}

function scopeText(window: MaintenanceWindow): string {
  const parts: string[] = [];
  if (window.scope.serverIds.length) parts.push(window.scope.serverIds.length === 1 ? 'this server' : `${window.scope.serverIds.length} servers`);
  if (window.scope.tags.length) parts.push(`tags ${window.scope.tags.join(', ')}`);
  return parts.join(' and ');
}

/** Maintenance windows touching the server: while one is open results are marked and incidents held back. */
export function MaintenanceSection({ server }: { server: ServerTarget }) {
  const windows = useMethodQuery('maintenance.list', { serverId: server.id });
  const mayWrite = useCan()('servers:write');
  const open = useHealthDialogs((state) => state.open);
  const items = windows.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="maintenance-title" data-testid="maintenance-section">
      <div className="panel__header">
        <h2 className="panel__title" id="maintenance-title">
          Maintenance windows
        </h2>
        {mayWrite ? (
          <button type="button" className="button button--small" onClick={() => open({ kind: 'maintenance-create', server })}>
            <PlusIcon />
            Add window
          </button>
        ) : null}
      </div>
      <p className="muted">Checks keep running in a window; their results are marked and no incident opens.</p>
      <ErrorBanner error={windows.error} />
      {windows.data && items.length === 0 ? <p className="muted">None planned.</p> : null}
      {items.length > 0 ? (
        <ul className="maintenance-list">
          {items.map((window) => (
            <li key={window.id} className="maintenance" data-testid="maintenance-window">
              <div className="maintenance__body">
                <p className="maintenance__name">
                  {window.name} {window.active ? <span className="badge badge--running">In progress</span> : null}
                </p>
                <p className="muted">
                  {scheduleText(window)} · {scopeText(window)}
                  {window.nextStart !== null && !window.active ? ` · next ${formatDateTime(window.nextStart)}` : ''}
                </p>
              </div>
              {mayWrite ? (
                <button
                  type="button"
                  className="icon-button icon-button--danger"
                  aria-label={`Delete the window ${window.name}`}
                  title="Delete"
                  onClick={() => open({ kind: 'maintenance-delete', window })}
                >
                  <TrashIcon />
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
