import { useEffect, useMemo, useRef, useState } from 'react';
import { castSize, parseCast } from '@shared/operations/asciicast';
import { delayBefore, SPEEDS } from './playback';
import { mountXterm, type MountedXterm } from './xterm';

/**
 * A recorded terminal session played back into an xterm.js terminal of the size it was recorded
 * at, with its timing (pauses past 2 s shortened, playback.ts): play, pause, play again from the
 * start, at 1× to 8×, or show it all at once.
 */
export function Player({ asciicast }: { asciicast: string }) {
  const cast = useMemo(() => parseCast(asciicast), [asciicast]);
  const box = useRef<HTMLDivElement>(null);
  const xterm = useRef<MountedXterm | null>(null);
  const [playing, setPlaying] = useState(true);
  const [speed, setSpeed] = useState<number>(1);
  const [position, setPosition] = useState(0);
  const total = cast?.events.length ?? 0;

  useEffect(() => {
    const node = box.current;
    if (!node || !cast) return;
    const mounted = mountXterm(node, { cols: cast.cols, rows: cast.rows, disableStdin: true, cursorBlink: false });
    xterm.current = mounted;
    return () => {
      xterm.current = null;
      mounted.dispose();
    };
  }, [cast]);

  useEffect(() => {
    if (!playing || !cast || position >= total) return;
    const timer = setTimeout(
      () => {
        const event = cast.events[position];
        const terminal = xterm.current?.terminal;
        if (event && terminal) {
          if (event.code === 'o') terminal.write(event.data);
          const size = event.code === 'r' ? castSize(event.data) : null;
          if (size) terminal.resize(size.cols, size.rows);
        }
        setPosition(position + 1);
      },
      delayBefore(cast.events, position, speed),
    );
    return () => clearTimeout(timer);
  }, [playing, cast, position, total, speed]);

  if (!cast) return <p className="banner banner--error">This recording is not asciicast v2 text; it cannot be played.</p>;

  const restart = () => {
    xterm.current?.terminal.reset();
    if (cast) xterm.current?.terminal.resize(cast.cols, cast.rows);
    setPosition(0);
    setPlaying(true);
  };
  const showAll = () => {
    const terminal = xterm.current?.terminal;
    if (!terminal) return;
    for (const event of cast.events.slice(position)) {
      if (event.code === 'o') terminal.write(event.data);
      const size = event.code === 'r' ? castSize(event.data) : null;
      if (size) terminal.resize(size.cols, size.rows);
    }
    setPosition(total);
  };
  const ended = position >= total;

  return (
    <div className="terminal-player">
      <div className="terminal-player__bar">
        {ended ? (
          <button type="button" className="button" onClick={restart} data-testid="player-restart">
            Play again
          </button>
        ) : (
          <button type="button" className="button" onClick={() => setPlaying(!playing)} data-testid="player-toggle">
            {playing ? 'Pause' : 'Play'}
          </button>
        )}
        <label className="terminal-player__speed">
          Speed{' '}
          <select className="input select" value={speed} onChange={(event) => setSpeed(Number(event.target.value))} data-testid="player-speed">
            {SPEEDS.map((each) => (
              <option key={each} value={each}>
                {each}×
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" onClick={showAll} disabled={ended}>
          Show all
        </button>
        <span className="muted" role="status" data-testid="player-position">
          {ended ? 'Played to the end' : `${position} of ${total} outputs`}
        </span>
      </div>
      <div className="terminal-screen terminal-screen--recorded" ref={box} data-testid="player-screen" />
    </div>
  );
}
