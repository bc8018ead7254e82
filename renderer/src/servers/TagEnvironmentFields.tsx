import { useId } from 'react';
import { useMethodQuery } from '../api/hooks';
import { Field } from '../ui/Field';

interface ListField {
  /** As typed: comma-separated. */
  value: string;
  error: string | undefined;
  help: string;
  onChange(value: string): void;
}

/**
 * Tags and environments typed as comma-separated lists, side by side, each offering the values the
 * fleet uses (servers.facets): what an alert rule, a silence or a run matches.
 */
export function TagEnvironmentFields({ testIdPrefix, tags, environments }: { testIdPrefix: string; tags: ListField; environments: ListField }) {
  const tagsId = useId();
  const environmentsId = useId();
  const facets = useMethodQuery('servers.facets', {});
  const fields = [
    { label: 'Tags', field: tags, listId: tagsId, testId: `${testIdPrefix}-tags`, options: facets.data?.tags },
    { label: 'Environments', field: environments, listId: environmentsId, testId: `${testIdPrefix}-environments`, options: facets.data?.environments },
  ];
  return (
    <div className="form__row form__row--even">
      {fields.map(({ label, field, listId, testId }) => (
        <Field key={label} label={label} error={field.error} help={field.help} testId={testId}>
          {(control) => (
            <input
              {...control}
              className="input"
              list={listId}
              autoComplete="off"
              spellCheck={false}
              value={field.value}
              onChange={(event) => field.onChange(event.target.value)}
            />
          )}
        </Field>
      ))}
      {fields.map(({ label, listId, options }) => (
        <datalist key={label} id={listId}>
          {options?.map((option) => (
            <option key={option.value} value={option.value} />
          ))}
        </datalist>
      ))}
    </div>
  );
}
