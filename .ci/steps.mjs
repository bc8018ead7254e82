// Runs `npm test`'s steps: each as soon as the steps it needs have ended, the rest at once.
// A step that shares the terminal with others prints its output as one block when it ends, so
// logs never interleave; a step that runs alone (`stream: true`) prints as it goes.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** A step that cannot run on this machine exits with this (automake's "skipped"); it counts as not run, never as passed. */
export const SKIPPED = 77;

/**
 * @typedef {object} Step
 * @property {string} name
 * @property {string} command
 * @property {string[]} args
 * @property {Record<string, string>} [env]
 * @property {string[]} [after] names of the steps that must have ended (whatever their outcome) before this one starts
 * @property {string} [requires] the name of a step in `after` that must have passed, or this one does not run (and fails)
 * @property {boolean} [stream] print output as it comes instead of as a block (only for a step nothing else runs beside)
 * @property {string} [skipReason] what exit 77 means for this step
 * @property {number} [niceness] run at this lower priority (Unix nice, 1–19), so the steps on the
 *   run's critical path get the CPU first and this one takes what they leave idle
 *
 * @typedef {object} StepResult
 * @property {string} name
 * @property {boolean} ok
 * @property {string} [skipped] the reason, when the step said it could not run here
 * @property {boolean} [notRun] a step it requires failed (it counts as failed)
 * @property {number} startedMs since the first step started
 * @property {number} wallMs
 */

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one step; resolves when it has ended, never rejects. */
function runStep(step, root, t0) {
  const started = Date.now();
  const block = [];
  const colour = process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {};
  if (step.stream) console.log(`\n=== ${step.name}: ${step.command} ${step.args.join(' ')}`);
  else console.log(`--- started: ${step.name}`);
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: root,
      env: { ...process.env, ...(step.stream ? {} : colour), ...step.env },
      stdio: step.stream ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    if (step.niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, step.niceness);
      } catch {
        // A priority is a preference: where it cannot be set, the step runs at the usual one.
      }
    }
    child.stdout?.on('data', (chunk) => block.push(chunk));
    child.stderr?.on('data', (chunk) => block.push(chunk));
    let ended = false;
    const finish = (code, signal, error) => {
      if (ended) return; // a child that cannot start reports 'error' and then 'close'
      ended = true;
      const wallMs = Date.now() - started;
      const skipped = step.skipReason !== undefined && code === SKIPPED;
      const ok = code === 0;
      const outcome = skipped ? 'skipped' : ok ? 'ok' : `FAILED (${error ? error.message : `exit ${code ?? signal}`})`;
      if (!step.stream) {
        const output = Buffer.concat(block).toString('utf8').trimEnd();
        console.log(`\n=== ${step.name}: ${step.command} ${step.args.join(' ')}${output ? `\n${output}` : ''}`);
      }
      console.log(`=== ${step.name}: ${outcome} in ${seconds(wallMs)}`);
      resolve({ name: step.name, ok, skipped: skipped ? step.skipReason : undefined, startedMs: started - t0, wallMs });
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

/**
 * Runs every step, each once the steps named in its `after` have ended; resolves with the
 * results in the order the steps were given.
 * @param {Step[]} steps
 * @param {string} root
 * @returns {Promise<StepResult[]>}
 */
export async function runSteps(steps, root) {
  const t0 = Date.now();
  const byName = new Map(steps.map((step) => [step.name, step]));
  const running = new Map();
  const start = (step) => {
    if (!running.has(step.name)) {
      running.set(
        step.name,
        Promise.all((step.after ?? []).map((name) => start(byName.get(name)))).then((before) => {
          const required = before.find((result) => result.name === step.requires);
          if (required && !required.ok) {
            console.log(`=== ${step.name}: not run, because ${required.name} failed`);
            return { name: step.name, ok: false, notRun: true, startedMs: Date.now() - t0, wallMs: 0 };
          }
          return runStep(step, root, t0);
        }),
      );
    }
    return running.get(step.name);
  };
  for (const step of steps) {
    for (const name of step.after ?? []) if (!byName.has(name)) throw new Error(`step "${step.name}" waits for "${name}", which is not a step`);
    if (step.requires && !step.after?.includes(step.requires)) throw new Error(`step "${step.name}" requires "${step.requires}" without waiting for it`);
  }
  return Promise.all(steps.map(start));
}

/** The table of step times, in the order the steps started, and the wall time of the whole run. */
export function timesTable(results, totalMs) {
  const total = 'all steps (wall time)';
  const width = Math.max(...results.map((result) => result.name.length), total.length);
  const row = (name, status, starts, takes) => `${name.padEnd(width)}  ${status.padEnd(7)}  ${starts.padStart(8)}  ${takes.padStart(8)}`;
  const rows = [...results]
    .sort((a, b) => a.startedMs - b.startedMs)
    .map((result) => {
      const status = result.skipped ? 'skip' : result.notRun ? 'not run' : result.ok ? 'ok' : 'FAILED';
      return row(result.name, status, seconds(result.startedMs), seconds(result.wallMs));
    });
  return [row('step', 'status', 'starts', 'takes'), ...rows, row(total, '', '', seconds(totalMs))].join('\n');
}
