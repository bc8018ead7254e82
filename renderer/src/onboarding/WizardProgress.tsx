import { STEP_COUNT, STEP_TITLES, stepNumber, WIZARD_STEPS, type WizardStep } from './wizard-steps';

/** "Step 3 of 6" and the row of step names, the current one marked. */
export function WizardProgress({ step }: { step: WizardStep }) {
  const current = stepNumber(step);
  return (
    <nav className="wizard-progress" aria-label="Setup progress">
      <p className="wizard-progress__label" data-testid="wizard-progress">
        Step {current} of {STEP_COUNT}
      </p>
      <ol className="wizard-progress__steps">
        {WIZARD_STEPS.map((id, index) => {
          const state = index + 1 < current ? 'done' : index + 1 === current ? 'current' : 'todo';
          return (
            <li key={id} className={`wizard-progress__step wizard-progress__step--${state}`} aria-current={state === 'current' ? 'step' : undefined}>
              <span className="wizard-progress__dot" aria-hidden="true">
                {state === 'done' ? '✓' : index + 1}
              </span>
              <span>{STEP_TITLES[id].short}</span>
              {state === 'done' ? <span className="visually-hidden"> (done)</span> : null}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
