import { useEffect, useId, useRef } from 'react';
import { Field } from '../ui/Field';
import type { FieldErrors } from './form-errors';
import { Choices } from './MatchFields';
import { MAX_STEPS, nextStep, ruleFields, type RuleFormValues } from './rule-form';

interface EscalationProps {
  values: RuleFormValues;
  errors: FieldErrors;
  channelOptions: readonly { value: string; label: string }[];
  edit<K extends keyof RuleFormValues>(field: K, value: RuleFormValues[K], errorKey: string): void;
  clear(key: string): void;
}

/** A whole number of minutes as typed; a step's carries its index, for the focus to find. */
function MinutesField({
  step,
  value,
  onChange,
  ...field
}: {
  label: string;
  help?: string;
  error: string | undefined;
  testId: string;
  step?: number;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <Field {...field}>
      {(control) => (
        <input
          {...control}
          className="input input--port"
          inputMode="numeric"
          data-step-minutes={step}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

/**
 * A rule's escalation steps (minutes after opening, channels; at most MAX_STEPS) and its repeat
 * while unacknowledged. A step added takes focus at its minutes; a step removed hands focus to
 * "Add step", so the keyboard never falls back to the page.
 */
export function EscalationFields({ values, errors, channelOptions, edit, clear }: EscalationProps) {
  const steps = values.escalation;
  const helpId = useId();
  const groupRef = useRef<HTMLFieldSetElement>(null);
  const focusNext = useRef<'added' | 'removed' | null>(null);

  useEffect(() => {
    const group = groupRef.current;
    if (!group || focusNext.current === null) return;
    const target =
      focusNext.current === 'added'
        ? group.querySelector<HTMLElement>(`[data-step-minutes="${steps.length - 1}"]`)
        : group.querySelector<HTMLElement>('[data-add-step]');
    focusNext.current = null;
    target?.focus();
  }, [steps.length]);

  const setStep = (index: number, change: Partial<RuleFormValues['escalation'][number]>, errorKey: string) =>
    edit(
      'escalation',
      steps.map((step, i) => (i === index ? { ...step, ...change } : step)),
      errorKey,
    );

  const add = () => {
    focusNext.current = 'added';
    edit('escalation', [...steps, nextStep(steps)], 'escalation');
  };

  // Every step after the one removed moves up: their errors (and "later than step N") no longer hold.
  const remove = (index: number) => {
    focusNext.current = 'removed';
    for (const key of ruleFields(steps.length).filter((each) => each.startsWith('escalation.'))) clear(key);
    edit(
      'escalation',
      steps.filter((_, i) => i !== index),
      'escalation',
    );
  };

  return (
    <>
      <fieldset ref={groupRef} className="fieldset alerts-escalation" data-testid="rule-form-escalation" aria-describedby={helpId}>
        <legend className="field__label">Escalation</legend>
        <p id={helpId} className="field__help">
          While nobody acknowledges an open incident, each step tells more channels once it has been open that long. Acknowledging stops it.
        </p>
        {steps.map((step, i) => (
          <fieldset key={i} className="fieldset alerts-step" data-testid="rule-form-step">
            <legend className="field__label">Step {i + 1}</legend>
            <MinutesField
              label="Minutes after opening"
              error={errors[`escalation.${i}.afterMinutes`]}
              testId={`rule-form-step-${i}-minutes`}
              step={i}
              value={step.afterMinutes}
              onChange={(value) => setStep(i, { afterMinutes: value }, `escalation.${i}.afterMinutes`)}
            />
            <Choices
              legend="Tell"
              error={errors[`escalation.${i}.channelIds`]}
              testId={`rule-form-step-${i}-channels`}
              options={channelOptions}
              chosen={step.channelIds}
              onChange={(chosen) => setStep(i, { channelIds: chosen }, `escalation.${i}.channelIds`)}
            />
            <div>
              <button type="button" className="button button--small" onClick={() => remove(i)}>
                Remove step {i + 1}
              </button>
            </div>
          </fieldset>
        ))}
        {errors.escalation ? (
          <p className="field__error" data-testid="rule-form-escalation-error">
            {errors.escalation}
          </p>
        ) : null}
        <div>
          {steps.length < MAX_STEPS ? (
            <button type="button" className="button button--small" data-add-step onClick={add}>
              Add step
            </button>
          ) : (
            <p className="field__help">At most {MAX_STEPS} steps.</p>
          )}
        </div>
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" checked={values.repeat} onChange={(event) => edit('repeat', event.target.checked, 'repeatMinutes')} />
        Repeat while unacknowledged
      </label>
      {values.repeat ? (
        <MinutesField
          label="Repeat every (minutes)"
          error={errors.repeatMinutes}
          help="Tells the rule’s channels again, and those of the steps reached by then, until someone acknowledges."
          testId="rule-form-repeat"
          value={values.repeatMinutes}
          onChange={(value) => edit('repeatMinutes', value, 'repeatMinutes')}
        />
      ) : null}
    </>
  );
}
