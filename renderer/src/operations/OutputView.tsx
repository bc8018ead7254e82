import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { OutputChunk } from '@shared/api/operations';
import { segmentsOf } from './ansi';

type StreamFilter = 'both' | 'stdout' | 'stderr';
const FILTERS: readonly { value: StreamFilter; label: string }[] = [
  { value: 'both', label: 'Both streams' },
  { value: 'stdout', label: 'stdout' },
  { value: 'stderr', label: 'stderr' },
];

/**
 * What a target printed, with its ANSI colours, in the order it arrived. stderr is set apart by a
 * tinted band and a bar at its left edge (not by colour alone), and either stream can be shown
 * alone; Guardian's own notes (where the stored output was cut) are boxed, not mixed into the text.
 * While it grows, it stays scrolled to its end unless the reader has scrolled up.
 */
export function OutputView({ chunks, label }: { chunks: readonly OutputChunk[]; label: string }) {
  const [filter, setFilter] = useState<StreamFilter>('both');
  const segments = useMemo(() => segmentsOf(chunks), [chunks]);
  const shown = filter === 'both' ? segments : segments.filter((segment) => segment.stream === filter || segment.marker);
  const box = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);

  useLayoutEffect(() => {
    const node = box.current;
    if (node && atEnd.current) node.scrollTop = node.scrollHeight;
  }, [shown]);

  return (
    <div className="op-output">
      <div className="op-output__bar">
        <div className="segmented" role="group" aria-label="Streams shown">
          {FILTERS.map((option) => (
            <button
              key={option.value}
              type="button"
              className="segmented__option"
              aria-pressed={filter === option.value}
              onClick={() => setFilter(option.value)}
              data-testid={`output-filter-${option.value}`}
            >
              {option.label}
            </button>
          ))}
        </div>
        <span className="op-output__legend muted">
          <span className="op-output__sample op-output__err">stderr</span> is marked at the left edge
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="muted" data-testid="output-empty">
          {chunks.length === 0 ? 'Nothing printed.' : `Nothing printed on ${filter}.`}
        </p>
      ) : (
        // Focusable, so a keyboard can scroll it; a log, so what arrives is there to be read.
        <pre
          ref={box}
          className="op-output__text"
          tabIndex={0}
          role="log"
          aria-label={label}
          data-testid="output-text"
          onScroll={(event) => {
            const node = event.currentTarget;
            atEnd.current = node.scrollHeight - node.scrollTop - node.clientHeight < 8;
          }}
        >
          {shown.map((segment, index) =>
            segment.marker ? (
              <span key={index} className="op-output__marker" data-testid="output-marker">
                {segment.text}
              </span>
            ) : (
              <span
                key={index}
                className={`${segment.stream === 'stderr' ? 'op-output__err ' : ''}${segment.classes}`.trim() || undefined}
                data-stream={segment.stream}
              >
                {segment.text}
              </span>
            ),
          )}
        </pre>
      )}
    </div>
  );
}
