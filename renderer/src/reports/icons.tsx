import { Icon } from '../ui/icons';

/** A page with a bar chart. */
export const ReportIcon = () => (
  <Icon>
    <path d="M5 3h10l4 4v14H5z" />
    <path d="M9 17v-3M12 17v-6M15 17v-4" />
  </Icon>
);
