import { useEffect } from 'react';
import { applyTheme, useEffectiveTheme, useThemeStore } from '../state/theme-store';
import { MoonIcon, SunIcon } from '../ui/icons';

/** Light/dark switch. Until it is used the theme follows the operating system. */
export function ThemeToggle() {
  const theme = useEffectiveTheme();
  const choose = useThemeStore((state) => state.choose);
  const next = theme === 'dark' ? 'light' : 'dark';

  useEffect(() => applyTheme(document.documentElement, theme), [theme]);

  return (
    <button
      type="button"
      className="icon-button"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => choose(next)}
      data-testid="theme-toggle"
    >
      {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
