import { keepPreviousData } from '@tanstack/react-query';
import { useState } from 'react';
import { useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { ErrorState } from '../ui/ErrorState';
import { formatCount } from '../ui/format';
import { EmptyState, LoadingState, NoMatchesState } from '../ui/PageParts';
import { useDebouncedValue } from '../ui/use-debounced-value';
import { isFiltered, listInput, NO_FILTERS, SecretFilters, tagCounts, type SecretFilterState } from './SecretFilters';
import { SecretTable } from './SecretTable';

export const SECRET_SEARCH_DEBOUNCE_MS = 200;

function Empty({ filtered, mayAdd, onClear }: { filtered: boolean; mayAdd: boolean; onClear(): void }) {
  const open = useDialogStore((state) => state.open);
  if (filtered) {
    return <NoMatchesState what="secrets" testId="secrets-empty" onClear={onClear} />;
  }
  return (
    <EmptyState title="No secrets yet" testId="secrets-empty">
      <p className="state__text">
        Keep here the passwords, SSH keys, API tokens and notes your servers need. Guardian uses them itself (for SSH, for instance) and shows them only to
        people allowed to, after they confirm their password.
      </p>
      {mayAdd ? (
        <button type="button" className="button button--primary" onClick={() => open({ kind: 'secret-create' })}>
          Add your first secret
        </button>
      ) : null}
    </EmptyState>
  );
}

/** The secrets' metadata: searchable and filterable whether the vault is locked or not. */
export function SecretsSection({ locked }: { locked: boolean }) {
  const [filters, setFilters] = useState<SecretFilterState>(NO_FILTERS);
  const q = useDebouncedValue(filters.q, SECRET_SEARCH_DEBOUNCE_MS);
  const all = useMethodQuery('secrets.list', {});
  const list = useMethodQuery('secrets.list', listInput(filters, q), { placeholderData: keepPreviousData });
  const mayAdd = useCan()('vault:write') && !locked;
  const items = list.data?.items;
  const total = all.data?.items.length;
  const filtered = isFiltered(filters);

  return (
    <section className="vault-secrets" aria-labelledby="vault-secrets-title">
      <div className="page__title-group">
        <h2 id="vault-secrets-title" className="panel__title">
          Secrets
        </h2>
        {items && total !== undefined ? (
          <span className="page__count" data-testid="secret-count" aria-live="polite">
            {filtered ? `${formatCount(items.length)} of ${formatCount(total)}` : formatCount(total)}
          </span>
        ) : null}
      </div>
      <SecretFilters filters={filters} onChange={setFilters} tags={tagCounts(all.data?.items ?? [])} />
      {list.isPending ? (
        <LoadingState>Loading secrets…</LoadingState>
      ) : list.isError && !items ? (
        <ErrorState error={list.error} what="the secrets" onRetry={() => void list.refetch()} />
      ) : items && items.length === 0 ? (
        <Empty filtered={filtered} mayAdd={mayAdd} onClear={() => setFilters(NO_FILTERS)} />
      ) : items ? (
        <div className="vault-secrets__table">
          <SecretTable secrets={items} locked={locked} />
        </div>
      ) : null}
    </section>
  );
}
