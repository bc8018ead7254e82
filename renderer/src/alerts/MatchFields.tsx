import { useId } from 'react';
import type { MatchPreview as Preview } from '@shared/api/alerts';
import { CHECK_TYPES } from '@shared/health';
import { useMethodQuery } from '../api/hooks';
import { CHECK_TYPE_LABELS } from '../health/editor/check-fields';
import { TagEnvironmentFields } from '../servers/TagEnvironmentFields';
import { useDebouncedValue } from '../ui/use-debounced-value';
import type { FieldErrors } from './form-errors';
import { matchOf, SERVER_CHOICES, SEVERITIES, type MatchFormValues } from './rule-form';

/** A ticked list of choices, with its error under it. */
export function Choices({
  legend,
  help,
  error,
  testId,
  options,
  chosen,
  onChange,
}: {
  legend: string;
  help?: string;
  error: string | undefined;
  testId: string;
  options: readonly { value: string; label: string }[];
  chosen: readonly string[];
  onChange(chosen: string[]): void;
}) {
  const errorId = useId();
  return (
    <fieldset className="fieldset" data-testid={testId} aria-describedby={error ? errorId : undefined}>
      <legend className="field__label">{legend}</legend>
      {help ? <p className="field__help">{help}</p> : null}
      <div className="checkbox-grid alerts-choices">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="checkbox"
              aria-invalid={error !== undefined}
              checked={chosen.includes(option.value)}
              onChange={(event) => onChange(event.target.checked ? [...chosen, option.value] : chosen.filter((value) => value !== option.value))}
            />
            {option.label}
          </label>
        ))}
      </div>
      {error ? (
        <p id={errorId} className="field__error" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/**
 * What a rule or a silence matches, as the form types it: servers ticked, tags and environments
 * as comma-separated text, severities and check types ticked. An error on the matcher as a whole
 * shows under the check types, the last of its fields.
 */
export function MatchFields<V extends MatchFormValues>({
  prefix,
  values,
  errors,
  edit,
}: {
  /** Test ids: `<prefix>-servers`, `-tags`, `-environments`, `-severities`, `-check-types`. */
  prefix: string;
  values: V;
  errors: FieldErrors;
  edit<K extends keyof MatchFormValues>(field: K, value: V[K], errorKey: string): void;
}) {
  const servers = useMethodQuery('servers.list', { limit: SERVER_CHOICES });
  const serverOptions = (servers.data?.items ?? []).map((server) => ({ value: server.id, label: server.name }));
  // A server deleted since keeps its place in the matcher until someone unticks it.
  for (const id of values.serverIds) if (!serverOptions.some((option) => option.value === id)) serverOptions.push({ value: id, label: 'a deleted server' });
  return (
    <>
      <Choices
        legend="Servers"
        help={
          servers.isPending
            ? 'Loading servers…'
            : servers.data && servers.data.total > servers.data.items.length
              ? `None ticked: any server. These are the first ${servers.data.items.length} of ${servers.data.total} by name: match the others by tag or environment.`
              : 'None ticked: any server.'
        }
        error={errors['match.serverIds']}
        testId={`${prefix}-servers`}
        options={serverOptions}
        chosen={values.serverIds}
        onChange={(chosen) => edit('serverIds', chosen, 'match.serverIds')}
      />
      <TagEnvironmentFields
        testIdPrefix={prefix}
        tags={{
          value: values.tags,
          error: errors['match.tags'],
          help: 'Comma-separated; empty: any tag',
          onChange: (value) => edit('tags', value, 'match.tags'),
        }}
        environments={{
          value: values.environments,
          error: errors['match.environments'],
          help: 'Comma-separated; empty: any environment',
          onChange: (value) => edit('environments', value, 'match.environments'),
        }}
      />
      <Choices
        legend="Severities"
        help="None ticked: both."
        error={errors['match.severities']}
        testId={`${prefix}-severities`}
        options={SEVERITIES.map((severity) => ({ value: severity, label: severity === 'down' ? 'Down' : 'Degraded' }))}
        chosen={values.severities}
        onChange={(chosen) =>
          edit(
            'severities',
            SEVERITIES.filter((severity) => chosen.includes(severity)),
            'match.severities',
          )
        }
      />
      <Choices
        legend="Check types"
        help="An incident whose bad checks include one of these. None ticked: any."
        error={errors['match.checkTypes'] ?? errors.match}
        testId={`${prefix}-check-types`}
        options={CHECK_TYPES.map((type) => ({ value: type, label: CHECK_TYPE_LABELS[type] }))}
        chosen={values.checkTypes}
        onChange={(chosen) =>
          edit(
            'checkTypes',
            CHECK_TYPES.filter((type) => chosen.includes(type)),
            'match.checkTypes',
          )
        }
      />
      <MatchPreview prefix={prefix} values={values} />
    </>
  );
}

/** "3 servers: a, b, c" or "12 servers: the first 20 names… and 2 more". */
function listed(total: number, names: readonly string[], one: string, many: string): string {
  if (total === 0) return `No ${many}`;
  const more = total > names.length ? ` and ${total - names.length} more` : '';
  return `${total} ${total === 1 ? one : many}: ${names.join(', ')}${more}`;
}

const previewLines = (preview: Preview) => [
  listed(preview.servers.total, preview.servers.names, 'server', 'servers'),
  listed(
    preview.incidents.total,
    preview.incidents.items.map((each) => `${each.serverName} ${each.severity}`),
    'open incident now',
    'open incidents now',
  ),
];

/**
 * What the matcher picks now, asked of Guardian once typing pauses: the servers it covers and
 * the incidents open now that it matches, so a rule or a silence is seen to cover what was meant
 * before it is saved. A matcher the contract refuses shows its error on its field instead.
 */
function MatchPreview({ prefix, values }: { prefix: string; values: MatchFormValues }) {
  const match = useDebouncedValue(matchOf(values), 300);
  const preview = useMethodQuery('alerts.previewMatch', { match }, { placeholderData: (previous) => previous });
  return (
    <div className="alerts-preview" data-testid={`${prefix}-preview`} aria-live="polite">
      <p className="field__label">What this matches now</p>
      {preview.data ? (
        previewLines(preview.data).map((line) => (
          <p key={line} className="field__help">
            {line}
          </p>
        ))
      ) : (
        <p className="field__help">{preview.isError ? 'Fix the matcher to see what it picks.' : 'Looking…'}</p>
      )}
    </div>
  );
}
