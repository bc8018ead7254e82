import { useMethodQuery } from '../api/hooks';
import { PaletteButton } from '../palette/PaletteButton';
import { ShieldIcon } from '../ui/icons';
import { UpdateIndicator } from '../updates/UpdateIndicator';
import { HOME_HREF } from './routes';
import { ThemeToggle } from './ThemeToggle';
import { UserMenu } from './UserMenu';

function SystemBadge() {
  const info = useMethodQuery('system.info', {}, { staleTime: Infinity, retry: false });
  if (!info.data) return null;
  return (
    <span className="header__meta" title={`Data in ${info.data.dataDir}`}>
      v{info.data.version} · {info.data.mode}
    </span>
  );
}

export function Header() {
  return (
    <header className="header">
      <a className="header__brand" href={HOME_HREF}>
        <ShieldIcon />
        <span className="header__name">Guardian Server Manager</span>
      </a>
      <div className="header__end">
        <UpdateIndicator />
        <SystemBadge />
        <PaletteButton />
        <ThemeToggle />
        <UserMenu />
      </div>
    </header>
  );
}
