import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ImportSummary } from '@shared/api/servers';
import { job } from '../../testing/fixtures';
import '../../testing/render';
import { ImportSummaryView, REJECTED_ROWS_SHOWN } from './ImportSummaryView';

const summary = (overrides: Partial<ImportSummary> = {}): ImportSummary => ({
  kind: 'servers.import',
  rows: 6,
  created: 3,
  updated: 1,
  unchanged: 0,
  checks: 3,
  rejected: [
    { line: 4, name: 'broken', reason: 'host: Host must be a DNS name, an IPv4 address or an IPv6 address' },
    { line: 7, name: null, reason: 'name: Name cannot be empty' },
  ],
  ...overrides,
});

describe('ImportSummaryView', () => {
  it('shows the counts and every rejected row with its line, name and reason', () => {
    render(<ImportSummaryView job={job({ status: 'succeeded', done: 6, total: 6, result: summary() })} />);
    const region = screen.getByTestId('import-summary');

    expect(within(region).getByRole('heading').textContent).toBe('Import finished');
    expect(screen.getByTestId('import-created').textContent).toBe('3');
    expect(screen.getByTestId('import-updated').textContent).toBe('1');
    expect(screen.getByTestId('import-unchanged').textContent).toBe('0');
    expect(screen.getByTestId('import-rejected').textContent).toBe('2');

    const rows = within(screen.getByRole('table', { name: 'Rejected rows' }))
      .getAllByRole('row')
      .slice(1);
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      ['4', 'broken', 'host: Host must be a DNS name, an IPv4 address or an IPv6 address'],
      ['7', '(no name)', 'name: Name cannot be empty'],
    ]);
  });

  it('has no rejected table when nothing was rejected', () => {
    render(<ImportSummaryView job={job({ status: 'succeeded', result: summary({ rejected: [] }) })} />);
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByTestId('import-rejected').textContent).toBe('0');
  });

  it('lists a bounded number of rejected rows and says how many there are in all', () => {
    const rejected = Array.from({ length: REJECTED_ROWS_SHOWN + 50 }, (_, index) => ({
      line: index + 2,
      name: `bad-${index}`,
      reason: 'port: Port must be between 1 and 65535',
    }));
    render(<ImportSummaryView job={job({ status: 'succeeded', result: summary({ rejected }) })} />);

    expect(screen.getAllByTestId('rejected-row')).toHaveLength(REJECTED_ROWS_SHOWN);
    expect(screen.getByTestId('import-rejected').textContent).toBe(String(REJECTED_ROWS_SHOWN + 50));
    expect(screen.getByText(`Showing the first ${REJECTED_ROWS_SHOWN} of ${REJECTED_ROWS_SHOWN + 50} rejected rows.`)).toBeTruthy();
  });

  it('explains a failed import with its message and hint', () => {
    const error = {
      code: 'VALIDATION_FAILED' as const,
      message: 'The file is not valid JSON: unexpected end at line 3.',
      hint: 'Check that the format chosen matches the file, and fix the place named.',
      retryable: false,
      correlationId: 'x',
    };
    render(<ImportSummaryView job={job({ status: 'failed', error })} />);

    expect(screen.getByRole('heading').textContent).toBe('Import failed');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(error.message);
    expect(alert.textContent).toContain(error.hint);
  });
});
