import { useId } from 'react';
import { AUDIT_ACTIONS, isFiltered, OUTCOME_OPTIONS, rangeProblem, type AuditFilterForm } from './audit-filter';
import { useAuditView } from './audit-filter-store';

type TextField = Exclude<keyof AuditFilterForm, 'action' | 'outcome'>;

function FilterInput({
  field,
  label,
  type = 'text',
  placeholder,
}: {
  field: TextField;
  label: string;
  type?: 'text' | 'search' | 'datetime-local';
  placeholder?: string;
}) {
  const id = useId();
  const value = useAuditView((state) => state.form[field]);
  const setField = useAuditView((state) => state.setField);
  return (
    <div className="audit-filters__field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className="input"
        type={type}
        value={value}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => setField(field, event.target.value)}
        data-testid={`audit-filter-${field}`}
      />
    </div>
  );
}

function FilterSelect({
  field,
  label,
  any,
  options,
}: {
  field: 'action' | 'outcome';
  label: string;
  any: string;
  options: readonly { value: string; label: string }[];
}) {
  const id = useId();
  const value = useAuditView((state) => state.form[field]);
  const setField = useAuditView((state) => state.setField);
  return (
    <div className="audit-filters__field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="input select" value={value} onChange={(event) => setField(field, event.target.value)} data-testid={`audit-filter-${field}`}>
        <option value="">{any}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

const ACTION_OPTIONS = AUDIT_ACTIONS.map((action) => ({ value: action, label: action }));

/** Time range, who, what, on what, how it ended, and words in the details; every field narrows the list. */
export function AuditFilters() {
  const form = useAuditView((state) => state.form);
  const clear = useAuditView((state) => state.clear);
  const problem = rangeProblem(form);
  return (
    <div className="audit-filters" role="search" aria-label="Filter the audit log">
      <div className="audit-filters__grid">
        <FilterInput field="from" label="From" type="datetime-local" />
        <FilterInput field="to" label="To" type="datetime-local" />
        <FilterInput field="actor" label="Actor" placeholder="user:… or a name" />
        <FilterSelect field="action" label="Method" any="Any method" options={ACTION_OPTIONS} />
        <FilterInput field="target" label="Target" placeholder="server:…, job:…" />
        <FilterSelect field="outcome" label="Outcome" any="Any outcome" options={OUTCOME_OPTIONS} />
        <FilterInput field="q" label="Words in details" type="search" placeholder="All of these words" />
      </div>
      <div className="audit-filters__end">
        {problem ? (
          <p className="field__error" role="alert">
            {problem}
          </p>
        ) : null}
        {isFiltered(form) ? (
          <button type="button" className="button button--ghost" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}
