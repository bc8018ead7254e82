import { describe, expect, it } from 'vitest';
import { applyTemplate, durationWords, messageTemplate, renderTemplate, sampleFacts, templateValues, unknownVariables } from './template';

/** The template language itself: which variables exist, how they are filled, and what a duration reads like. */
describe('message templates', () => {
  const values = templateValues(sampleFacts(Date.UTC(2026, 11, 7, 12, 0)), 'https://guardian.example.net/');

  it('fills every placeholder once, spaces inside the braces allowed, and never fills what a value brings in', () => {
    expect(renderTemplate('{{server}} is {{ status }} ({{checks}})', values)).toBe('web-1 (example) is down (http)');
    expect(renderTemplate('{{cause}}', { ...values, cause: 'refused {{server}}' })).toBe('refused {{server}}');
    expect(values.link).toBe('https://guardian.example.net/#/servers/example-server/health');
    expect(values.since).toBe('2026-12-07T11:55:00.000Z');
  });

  it('names each unknown variable once, and refuses them with the list of known ones', () => {
    expect(unknownVariables('{{sevrity}} {{server}} {{sevrity}} {{ nope }} {{ not a var }}')).toEqual(['sevrity', 'nope']);
    const parsed = messageTemplate.safeParse({ title: '{{sevrity}}' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['title'], message: expect.stringContaining('No such variable: {{sevrity}}. Use {{server}}') });
    expect(messageTemplate.parse({ title: '  ', text: 'x' })).toEqual({ title: null, text: 'x' });
    expect(messageTemplate.parse(undefined)).toEqual({ title: null, text: null });
  });

  it('words durations from seconds to days', () => {
    expect([0, 45_000, 60_000, 65 * 60_000, 2 * 3_600_000, 51 * 3_600_000, 48 * 3_600_000].map(durationWords)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '1 h 5 min',
      '2 h',
      '2 d 3 h',
      '2 d',
    ]);
  });

  it('keeps the own wording for each part a template leaves empty', () => {
    const own = { title: 'own title', text: 'own text' };
    expect(applyTemplate(null, sampleFacts(0), null, own)).toBe(own);
    expect(applyTemplate({ title: '{{server}}', text: null }, sampleFacts(0), null, own)).toEqual({ title: 'web-1 (example)', text: 'own text' });
  });
});
