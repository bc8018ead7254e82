import type { ReactNode } from 'react';
import { ThemeToggle } from '../app/ThemeToggle';
import { ShieldIcon } from '../ui/icons';

interface AuthLayoutProps {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** Above the title (the wizard's progress). */
  before?: ReactNode;
  wide?: boolean;
  testId?: string;
}

/** The pages shown before the app frame: sign-in, first run, a required password change. */
export function AuthLayout({ title, description, children, before, wide = false, testId }: AuthLayoutProps) {
  return (
    <div className="auth-page">
      <header className="auth-page__top">
        <span className="header__brand">
          <ShieldIcon />
          <span className="header__name">Guardian Server Manager</span>
        </span>
        <ThemeToggle />
      </header>
      <main id="main" className={`auth-card${wide ? ' auth-card--wide' : ''}`} tabIndex={-1} data-testid={testId}>
        {before}
        <h1 className="auth-card__title">{title}</h1>
        {description ? <p className="auth-card__text">{description}</p> : null}
        {children}
      </main>
    </div>
  );
}
