import { backlogMessage, type ScheduleBacklog } from '@shared/api/health';

/**
 * Says when checks run late and which concurrency cap holds them, so a fleet that outgrew its
 * caps is never checked less often than promised in silence.
 */
export function BacklogBanner({ backlog }: { backlog: ScheduleBacklog }) {
  const message = backlogMessage(backlog);
  if (!message || !backlog.cause) return null;
  return (
    <div className="banner banner--warning" role="status" data-testid="backlog-banner">
      <p>{message}</p>
      <p className="banner__hint">
        Their results arrive less often than their interval says. Raise the cap in <a href="#/settings">Settings → Checks at once</a>
        {backlog.cause.cap === 'host' ? ', give the server its own cap on its health page,' : ''} or give these checks a longer interval.
      </p>
    </div>
  );
}
