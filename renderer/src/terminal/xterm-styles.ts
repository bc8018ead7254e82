/**
 * xterm.js's DOM renderer writes its theme colours and cell sizes into `<style>` elements it
 * creates inside the terminal; the renderer's Content-Security-Policy (`style-src 'self'`,
 * renderer/index.html) refuses their text, and the terminal would draw with no colours and the
 * wrong line heights. Style sheets built through the CSSOM are not subject to `style-src`, so each
 * such element's text is mirrored into a constructed sheet the document adopts, and kept in step
 * as xterm rewrites it (a theme or a font size changed). Returns what removes the sheets again.
 */
export function mirrorInlineStyles(root: HTMLElement): () => void {
  const sheets = new Map<HTMLStyleElement, { sheet: CSSStyleSheet; text: string }>();

  const remove = (gone: ReadonlySet<CSSStyleSheet>) => {
    if (gone.size > 0) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => !gone.has(sheet));
  };

  const sync = () => {
    const seen = new Set<HTMLStyleElement>();
    const added: CSSStyleSheet[] = [];
    for (const element of root.querySelectorAll('style')) {
      seen.add(element);
      const text = element.textContent;
      const known = sheets.get(element);
      if (known?.text === text) continue;
      const sheet = known?.sheet ?? new CSSStyleSheet();
      sheet.replaceSync(text);
      if (!known) added.push(sheet);
      sheets.set(element, { sheet, text });
    }
    if (added.length > 0) document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...added];
    const gone = new Set<CSSStyleSheet>();
    for (const [element, { sheet }] of sheets) {
      if (seen.has(element)) continue;
      gone.add(sheet);
      sheets.delete(element);
    }
    remove(gone);
  };

  const observer = new MutationObserver(sync);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    remove(new Set([...sheets.values()].map(({ sheet }) => sheet)));
    sheets.clear();
  };
}
