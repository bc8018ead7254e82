import { describe, expect, it } from 'vitest';
import { mirrorInlineStyles } from './xterm-styles';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const rules = () => document.adoptedStyleSheets.map((sheet) => [...sheet.cssRules].map((rule) => rule.cssText).join(' '));

describe('styles xterm writes into <style> elements', () => {
  it('are mirrored into adopted sheets, kept in step with their text, and removed with them or when stopped', async () => {
    const root = document.createElement('div');
    document.body.append(root);
    const before = document.adoptedStyleSheets.length;
    const theme = document.createElement('style');
    theme.textContent = '.xterm-rows { color: rgb(1, 2, 3); }';
    root.append(theme);
    const stop = mirrorInlineStyles(root);
    expect(document.adoptedStyleSheets).toHaveLength(before + 1);
    expect(rules().join(' ')).toContain('rgb(1, 2, 3)');

    theme.textContent = '.xterm-rows { color: rgb(4, 5, 6); }';
    const sizes = document.createElement('style');
    sizes.textContent = '.xterm-rows span { height: 17px; }';
    root.append(sizes);
    await settle();
    expect(document.adoptedStyleSheets).toHaveLength(before + 2);
    expect(rules().join(' ')).toContain('rgb(4, 5, 6)');
    expect(rules().join(' ')).not.toContain('rgb(1, 2, 3)');

    sizes.remove();
    await settle();
    expect(document.adoptedStyleSheets).toHaveLength(before + 1);
    stop();
    expect(document.adoptedStyleSheets).toHaveLength(before);
    root.remove();
  });
});
