import { Fragment, type ReactNode } from 'react';
import { Field } from '../../ui/Field';
import { splitList } from '../form-errors';
import type { ChannelType } from '@shared/alerts';
import {
  configFlag,
  configText,
  optionalWholeNumber,
  RATE_HELP,
  rateText,
  wholeNumber,
  type ChannelFieldsProps,
  type ChannelTypeForm,
  type ConfigValues,
} from './types';

/**
 * A channel type's fields declared as a list, for the types whose config is plain text, numbers,
 * lists and switches (the push and paging services): the fields, their starting values, and the
 * config they make all follow from it.
 */
export type FieldSpec = { key: string; label: string; help?: string } & (
  | { kind: 'text'; initial: string; placeholder?: string; mono?: boolean }
  | { kind: 'number'; initial: number }
  /** One entry a line, sent as an array. */
  | { kind: 'list'; initial: readonly string[] }
  | { kind: 'flag'; initial: boolean }
  /** A rate limit: a number, or empty for none; a new channel starts at its type's default. */
  | { kind: 'rate' }
);

/** How long to wait, how many at once and how many a minute: the last fields of every push and paging type. */
export const SENDING_FIELDS: readonly FieldSpec[] = [
  { key: 'timeoutMs', label: 'Timeout (ms)', help: '500 to 60000; a timeout is retried', kind: 'number', initial: 10_000 },
  { key: 'maxConcurrent', label: 'At once', help: 'Notifications sent to it at the same time (1 to 8)', kind: 'number', initial: 2 },
  { key: 'ratePerMinute', label: 'Per minute', help: RATE_HELP, kind: 'rate' },
];

export const VERIFY_TLS: FieldSpec = {
  key: 'verifyTls',
  label: 'Check the server’s TLS certificate (turn off only for a self-signed one you trust)',
  kind: 'flag',
  initial: true,
};

function initialOf(spec: FieldSpec, config: unknown, type: ChannelType): string | boolean {
  switch (spec.kind) {
    case 'rate':
      return rateText(config, type);
    case 'flag':
      return configFlag(config, spec.key) ?? spec.initial;
    case 'list': {
      const value: unknown = typeof config === 'object' && config !== null ? Reflect.get(config, spec.key) : undefined;
      const entries = Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : spec.initial;
      return entries.join('\n');
    }
    case 'number':
      return configText(config, spec.key) ?? String(spec.initial);
    case 'text':
      return configText(config, spec.key) ?? spec.initial;
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

function DeclaredField({ spec, values, errors, onChange }: { spec: FieldSpec } & ChannelFieldsProps) {
  const error = errors[`config.${spec.key}`];
  const value = values[spec.key];
  const text = typeof value === 'string' ? value : '';
  const testId = `channel-config-${spec.key}`;
  if (spec.kind === 'flag') {
    return (
      <>
        <label className="checkbox">
          <input type="checkbox" checked={value !== false} onChange={(event) => onChange(spec.key, event.target.checked)} data-testid={testId} />
          {spec.label}
        </label>
        {error ? <p className="field__error">{error}</p> : null}
      </>
    );
  }
  return (
    <Field label={spec.label} error={error} help={spec.help} testId={testId}>
      {(control) =>
        spec.kind === 'list' ? (
          <textarea
            {...control}
            className="input textarea"
            rows={2}
            spellCheck={false}
            value={text}
            onChange={(event) => onChange(spec.key, event.target.value)}
          />
        ) : (
          <input
            {...control}
            className={`input${spec.kind === 'text' && spec.mono ? ' mono' : ''}`}
            inputMode={spec.kind === 'number' || spec.kind === 'rate' ? 'numeric' : undefined}
            autoComplete="off"
            spellCheck={false}
            placeholder={spec.kind === 'text' ? spec.placeholder : undefined}
            value={text}
            onChange={(event) => onChange(spec.key, event.target.value)}
          />
        )
      }
    </Field>
  );
}

const numeric = (kind: FieldSpec['kind'] | undefined) => kind === 'number' || kind === 'rate';

/** A type's fields in order, numbers side by side. */
function fieldsOf(specs: readonly FieldSpec[]) {
  return function DeclaredFields(props: ChannelFieldsProps) {
    const groups: FieldSpec[][] = [];
    for (const spec of specs) {
      const last = groups.at(-1);
      if (numeric(spec.kind) && numeric(last?.[0]?.kind)) last?.push(spec);
      else groups.push([spec]);
    }
    const rendered: ReactNode[] = groups.map((group) =>
      group.length > 1 ? (
        <div key={group[0]?.key} className="form__row form__row--even">
          {group.map((spec) => (
            <DeclaredField key={spec.key} spec={spec} {...props} />
          ))}
        </div>
      ) : (
        <Fragment key={group[0]?.key}>{group[0] ? <DeclaredField spec={group[0]} {...props} /> : null}</Fragment>
      ),
    );
    return <>{rendered}</>;
  };
}

type Declared = Omit<ChannelTypeForm, 'fields' | 'initial' | 'toConfig' | 'Fields'> & { specs: readonly FieldSpec[] };

/** A channel type's form from its declared fields; the values are checked against the type's schema before sending. */
export function declaredType({ specs, ...rest }: Declared): ChannelTypeForm {
  return {
    ...rest,
    fields: specs.map((spec) => spec.key),
    initial: (config) => Object.fromEntries(specs.map((spec) => [spec.key, initialOf(spec, config, rest.type)])) as ConfigValues,
    toConfig: (values) => {
      const config: Record<string, unknown> = {};
      const errors: Record<string, string> = {};
      for (const spec of specs) {
        const value = values[spec.key];
        if (spec.kind === 'flag') config[spec.key] = value !== false;
        else if (spec.kind === 'list') config[spec.key] = splitList(typeof value === 'string' ? value : '');
        else if (spec.kind === 'text') config[spec.key] = typeof value === 'string' ? value.trim() : '';
        else {
          const what = spec.label.replace(/ \(.*\)$/, '');
          const number = spec.kind === 'rate' ? optionalWholeNumber(value, what) : wholeNumber(value, what);
          if (typeof number === 'string') errors[`config.${spec.key}`] = number;
          else config[spec.key] = number;
        }
      }
      return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, config };
    },
    Fields: fieldsOf(specs),
  };
}
