import { useMemo } from 'react';
import { applyTemplate, sampleFacts, TEMPLATE_VARIABLE_NAMES, TEMPLATE_VARIABLES, type MessageTemplate } from '@shared/alerts/template';
import { useMethodQuery } from '../api/hooks';
import { Field } from '../ui/Field';
import type { FieldErrors } from './form-errors';

/** A template as typed: empty text is Guardian's own wording. */
export interface TemplateValues {
  title: string;
  text: string;
}

export const TEMPLATE_FIELDS = ['config.template', 'config.template.title', 'config.template.text'];

export function templateValuesOf(config: unknown): TemplateValues {
  const template: unknown = typeof config === 'object' && config !== null ? Reflect.get(config, 'template') : undefined;
  const part = (name: string) => {
    const value: unknown = typeof template === 'object' && template !== null ? Reflect.get(template, name) : undefined;
    return typeof value === 'string' ? value : '';
  };
  return { title: part('title'), text: part('text') };
}

/** What the contract takes: null for each part left empty. */
export function templateOf(values: TemplateValues): MessageTemplate {
  return { title: values.title.trim() === '' ? null : values.title, text: values.text.trim() === '' ? null : values.text };
}

/**
 * A channel's own wording (docs/alerts.md, "Message templates"): a title and a text with
 * `{{variables}}`, and what an incident would read like with them, filled in here from a made-up
 * incident by the same code the server sends with. A misspelt variable is refused by the contract
 * under its field.
 */
export function TemplateFields({ values, errors, onChange }: { values: TemplateValues; errors: FieldErrors; onChange(values: TemplateValues): void }) {
  const settings = useMethodQuery('alerts.settings', {});
  const publicUrl = settings.data?.publicUrl ?? null;
  const preview = useMemo(() => {
    const template = templateOf(values);
    if (template.title === null && template.text === null) return null;
    return applyTemplate(template, sampleFacts(Date.now()), publicUrl, { title: '(Guardian’s own title)', text: '(Guardian’s own text)' });
  }, [values, publicUrl]);
  return (
    <fieldset className="fieldset" data-testid="channel-template">
      <legend className="field__label">Message</legend>
      <p className="field__help">Empty: Guardian’s own wording. Variables: {TEMPLATE_VARIABLE_NAMES.map((name) => `{{${name}}}`).join(', ')}.</p>
      <Field label="Title" error={errors['config.template.title']} help="The title or subject, e.g. {{server}} is {{status}}" testId="channel-template-title">
        {(control) => (
          <input
            {...control}
            className="input"
            value={values.title}
            spellCheck={false}
            onChange={(event) => onChange({ ...values, title: event.target.value })}
          />
        )}
      </Field>
      <Field
        label="Text"
        error={errors['config.template.text'] ?? errors['config.template']}
        help="Before the fields Guardian adds (server, severity, checks…), e.g. {{cause}} for {{duration}} {{link}}"
        testId="channel-template-text"
      >
        {(control) => (
          <textarea
            {...control}
            className="input textarea"
            rows={3}
            spellCheck={false}
            value={values.text}
            onChange={(event) => onChange({ ...values, text: event.target.value })}
          />
        )}
      </Field>
      {preview ? (
        <div className="alerts-preview" data-testid="channel-template-preview" aria-live="polite">
          <p className="field__label">An incident would read</p>
          <p className="field__help">
            <strong>{preview.title}</strong>
          </p>
          <p className="field__help alerts-preview__text">{preview.text}</p>
        </div>
      ) : null}
      <details className="field__help">
        <summary>What each variable holds</summary>
        <dl className="alerts-variables">
          {TEMPLATE_VARIABLE_NAMES.map((name) => (
            <div key={name}>
              <dt className="mono">{`{{${name}}}`}</dt>
              <dd>{TEMPLATE_VARIABLES[name]}</dd>
            </div>
          ))}
        </dl>
      </details>
    </fieldset>
  );
}
