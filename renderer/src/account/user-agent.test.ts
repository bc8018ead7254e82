import { describe, expect, it } from 'vitest';
import { describeAgent } from './user-agent';

describe('describeAgent, as a session list names a device', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0', 'Edge on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36', 'Chrome on Android'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Guardian/1.0 Chrome/126.0 Electron/31.0 Safari/537.36',
      'Guardian desktop app on Linux',
    ],
    ['curl/8.5.0', 'curl'],
  ])('%s is "%s"', (userAgent, expected) => {
    expect(describeAgent(userAgent)).toBe(expected);
  });

  it('shows what it does not recognise as it came, and an empty one as an unknown device', () => {
    expect(describeAgent('guardian-cli/1.0')).toBe('guardian-cli/1.0');
    expect(describeAgent('   ')).toBe('Unknown device');
  });
});
