import { useMethodQuery } from '../api/hooks';
import { Field } from '../ui/Field';
import { plural } from '../ui/format';

/** Enough for any fleet Guardian is meant for: the picker lists every server. */
const ALL_SERVERS = 10_000;

interface ServerPickerProps {
  chosen: string[];
  onChange(ids: string[]): void;
  error?: string | undefined;
}

/** The servers a secret belongs to: a multiple choice of every server, by name. */
export function ServerPicker({ chosen, onChange, error }: ServerPickerProps) {
  const servers = useMethodQuery('servers.list', { limit: ALL_SERVERS });
  const items = servers.data?.items ?? [];
  // A linked server that no longer exists is kept (and said so) rather than silently dropped.
  const unknown = chosen.filter((id) => servers.data && !items.some((server) => server.id === id));
  const help = servers.isPending
    ? 'Loading the servers…'
    : items.length === 0
      ? 'No servers yet: link them later.'
      : `${chosen.length === 0 ? 'None chosen' : `${plural(chosen.length, 'server', 'servers')} chosen`}. Ctrl-click (⌘-click on a Mac) to choose several.`;
  return (
    <Field label="Servers" error={error ?? servers.error?.message} help={help} testId="secret-form-servers">
      {(control) => (
        <select
          {...control}
          className="input select select--multiple"
          multiple
          size={Math.min(6, Math.max(3, items.length + unknown.length))}
          value={chosen}
          onChange={(event) => onChange([...event.target.selectedOptions].map((option) => option.value))}
        >
          {items.map((server) => (
            <option key={server.id} value={server.id} title={`${server.host}:${server.port}`}>
              {server.name}
            </option>
          ))}
          {unknown.map((id) => (
            <option key={id} value={id}>
              A deleted server
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
