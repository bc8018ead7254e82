import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VerifyReport } from '@shared/api/audit';
import { job } from '../testing/fixtures';
import { VerifyOutcome, VerifyVerdict } from './VerifyVerdict';

afterEach(cleanup);

const HEAD = '9f1c'.padEnd(64, '0');

function report(overrides: Partial<VerifyReport> = {}): VerifyReport {
  return {
    kind: 'audit.verify',
    intact: true,
    events: 18230,
    headSeq: 18230,
    headHash: HEAD,
    anchor: { seq: 0, hash: '0'.repeat(64), checkpoint: false },
    broken: null,
    expectedHead: null,
    summary: `18230 events, chain intact, head hash ${HEAD}`,
    ...overrides,
  };
}

describe('the verify verdict', () => {
  it('says an intact chain is intact, with its head hash to copy', () => {
    render(<VerifyVerdict report={report()} onOpenEvent={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Chain intact' })).toBeTruthy();
    expect(screen.getByTestId('verify-intact').textContent).toMatch(/18[,.\s\u202f]?230 events, chain intact, head hash/);
    expect(screen.getByTestId('verify-head-hash').textContent).toBe(HEAD);
    expect(screen.getByRole('button', { name: 'Copy head hash' })).toBeTruthy();
    expect(screen.getByTestId('verify-verdict').className).toContain('verdict--good');
    expect(screen.queryByRole('button', { name: /Open event/ })).toBeNull();
  });

  it('names the broken event in red and opens it', () => {
    const onOpenEvent = vi.fn();
    render(
      <VerifyVerdict
        report={report({
          intact: false,
          events: 41,
          broken: { seq: 42, kind: 'edited', message: 'event 42 was edited: its content no longer matches its hash' },
        })}
        onOpenEvent={onOpenEvent}
      />,
    );
    expect(screen.getByRole('heading', { name: 'Chain broken at event 42' })).toBeTruthy();
    expect(screen.getByTestId('verify-broken').textContent).toContain('event 42 was edited');
    expect(screen.getByTestId('verify-verdict').className).toContain('verdict--bad');
    expect(screen.queryByTestId('verify-head-hash')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Open event 42' }));
    expect(onOpenEvent).toHaveBeenCalledWith(42);
  });

  it('is not intact when a kept head hash is missing, even with every link sound', () => {
    render(<VerifyVerdict report={report({ intact: false, expectedHead: { hash: 'ab'.repeat(32), foundAt: null } })} onOpenEvent={vi.fn()} />);
    expect(screen.getByTestId('verify-verdict').className).toContain('verdict--bad');
    expect(screen.getByTestId('verify-expected-head').textContent).toContain('not in the chain');
  });

  it('says where a kept head hash is when it is there', () => {
    render(<VerifyVerdict report={report({ expectedHead: { hash: HEAD, foundAt: 18000 } })} onOpenEvent={vi.fn()} />);
    expect(screen.getByTestId('verify-expected-head').textContent).toBe('The head hash you kept is event 18000: nothing up to it changed.');
  });

  it('shows why there is no verdict when the job failed', () => {
    const failed = job({
      kind: 'audit.verify',
      status: 'failed',
      error: { code: 'INTERNAL', message: 'The database could not be read.', hint: 'See the log.', retryable: false, correlationId: 'x' },
    });
    render(<VerifyOutcome job={failed} onOpenEvent={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toContain('The database could not be read.');
  });
});
