import { useSignOut } from '../auth/SignOutButton';
import { useMe } from '../auth/session';
import { ChevronIcon, UserIcon } from '../ui/icons';
import { useMenu } from '../ui/use-menu';

/** The signed-in user's name and role; opens Account and Sign out. */
export function UserMenu() {
  const me = useMe();
  const { open, toggle, close, root, button, onMenuKey } = useMenu();
  const { signOut, pending } = useSignOut();
  const name = me.displayName || me.username;

  return (
    <div className="menu-anchor" ref={root}>
      <button ref={button} type="button" className="user-button" aria-haspopup="menu" aria-expanded={open} onClick={toggle} data-testid="user-menu">
        <UserIcon />
        <span className="user-button__name">{name}</span>
        <span className="role-badge" data-testid="user-role">
          {me.role}
        </span>
        <ChevronIcon />
      </button>
      {open ? (
        <div className="menu menu--user" role="menu" aria-label={`Signed in as ${me.username}`} onKeyDown={onMenuKey}>
          <p className="menu__caption" aria-hidden="true">
            Signed in as {me.username}
          </p>
          <a role="menuitem" className="menu__item" href="#/account" tabIndex={-1} onClick={() => close()}>
            <span className="menu__label">Account</span>
            <span className="menu__note">password, two-factor, sessions</span>
          </a>
          <a role="menuitem" className="menu__item" href="#/settings" tabIndex={-1} onClick={() => close()}>
            <span className="menu__label">Settings</span>
            <span className="menu__note">updates</span>
          </a>
          <button
            type="button"
            role="menuitem"
            className="menu__item"
            tabIndex={-1}
            disabled={pending}
            onClick={() => {
              close();
              signOut();
            }}
          >
            <span className="menu__label">Sign out</span>
          </button>
        </div>
      ) : null}
    </div>
  );
}
