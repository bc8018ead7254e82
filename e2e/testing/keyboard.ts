import { expect, type Locator, type Page } from '@playwright/test';

// Moving through the app as a keyboard user does: Tab (or Shift+Tab) until a control has focus,
// checking on the way that every stop shows where focus is.

const BODY = 'the page body';

/** Tab stops tried before giving up: more than any screen of Guardian has between two controls. */
const MAX_STOPS = 60;

/** What focusShows reads in the page (e2e is type-checked without the DOM library). */
interface PageElement {
  tagName: string;
  textContent: string | null;
  parentElement: PageElement | null;
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
}
interface PageGlobals {
  document: { activeElement: PageElement | null; body: PageElement };
  getComputedStyle(element: PageElement): { outlineStyle: string; outlineWidth: string; outlineColor: string };
}

interface Focus {
  visible: boolean;
  what: string;
  /** Whether the element asked about (if any) is the one with focus. */
  reached: boolean;
}

/**
 * Whether the focused element shows a focus indicator: an outline on it, or on the wrapper
 * that draws it for a visually hidden control (a radio in a segmented control), while
 * :focus-visible applies. The app's rule is `:focus-visible { outline: 2px solid var(--focus) }`.
 * Runs in the page, self-contained; given `target`, also says whether it is the focused element,
 * so a Tab stop costs one round trip to the browser instead of two.
 */
function readFocus(target: PageElement | null): Focus {
  const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
  const active = document.activeElement;
  const reached = target !== null && target.matches(':focus');
  if (!active || active === document.body) return { visible: false, what: 'the page body', reached };
  const what = `${active.tagName.toLowerCase()} "${(active.getAttribute('aria-label') ?? active.textContent ?? '').trim().slice(0, 40)}"`;
  if (!active.matches(':focus-visible')) return { visible: false, what: `${what} (not :focus-visible)`, reached };
  for (let node: PageElement | null = active, depth = 0; node && depth < 3; node = node.parentElement, depth++) {
    const style = getComputedStyle(node);
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && style.outlineColor !== 'rgba(0, 0, 0, 0)')
      return { visible: true, what, reached };
  }
  return { visible: false, what: `${what} (no outline)`, reached };
}

const focusShows = (page: Page): Promise<Focus> => page.evaluate(readFocus, null);

/** Fails unless the focused element shows that it has focus. */
export async function expectVisibleFocus(page: Page): Promise<void> {
  const focus = await focusShows(page);
  expect(focus.visible, `focus should be visible on ${focus.what}`).toBe(true);
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until `target` has focus; every stop must show it.
 * Past the last control the browser's own toolbar would come; headless, focus rests on the page
 * body once before coming round to the first control again.
 */
export async function tabTo(page: Page, target: Locator, { backwards = false } = {}): Promise<void> {
  let wrapped = false;
  for (let stop = 0; stop < MAX_STOPS; stop++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const focus = await target.evaluate(readFocus as (element: unknown) => Focus);
    if (focus.what === BODY && !wrapped) {
      wrapped = true;
      continue;
    }
    expect(focus.visible, `focus should be visible on ${focus.what}`).toBe(true);
    if (focus.reached) return;
  }
  throw new Error(`${MAX_STOPS} presses of ${backwards ? 'Shift+Tab' : 'Tab'} did not reach ${target}`);
}
