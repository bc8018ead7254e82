import { backlogMessage, type ScheduleBacklog } from '@shared/api/health';

/**
 * Says when checks run late and which concurrency cap holds them, so a fleet that outgrew its
 * caps is never checked less often than promised in silence.
 */
export function BacklogBanner({ backlog }: { backlog: ScheduleBacklog }) {
  const message = backlogMessage(backlog);
  if (!message || !backlog.cause) return null;
  const setting = backlog.cause.cap === 'host' ? 'maxChecksPerHost' : 'maxConcurrentChecks';
  return (
    <div className="banner banner--warning" role="status" data-testid="backlog-banner">
      <p>{message}</p>
      <p className="banner__hint">
        Their results arrive less often than their interval says. Raise <code>{setting}</code> in the monitoring settings (
        <code>PATCH /api/v1/monitoring/settings</code>), or give these checks a longer interval.
      </p>
    </div>
  );
}
