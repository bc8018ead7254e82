/**
 * The first-run setup token: `guardian serve --ui` prints a link ending in `#setup=TOKEN` while
 * Guardian has no owner, and creating the owner over HTTP needs that token. It is taken out of the
 * address bar at once (so it is not bookmarked, shared or routed as a page) and kept for this
 * tab, so a reload during the wizard still has it.
 */

const STORAGE_KEY = 'guardian.setupToken';
const IN_HASH = /^#setup=([A-Za-z0-9_-]{16,})$/;

export function takeSetupToken(target: Window): string | null {
  const match = IN_HASH.exec(target.location.hash);
  if (match?.[1]) {
    target.history.replaceState(null, '', target.location.pathname + target.location.search);
    try {
      target.sessionStorage.setItem(STORAGE_KEY, match[1]);
    } catch {
      // Storage may be off; the token still works until the page is reloaded.
    }
    return match[1];
  }
  try {
    return target.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
