import { Icon } from '../ui/icons';

/** A ledger with a chain link: the hash-chained log. */
export const AuditIcon = () => (
  <Icon>
    <path d="M6 3h9l4 4v14H6z" />
    <path d="M9 9h6M9 13h4" />
    <path d="M11 17.5a1.5 1.5 0 0 1 1.5-1.5h1a1.5 1.5 0 0 1 0 3h-1" />
  </Icon>
);
