import { describe, expect, it } from 'vitest';
import { applyTemplate, messageTemplate, renderTemplate, sampleFacts, templateValues, unknownVariables } from './template';

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

  it('keeps the own wording for each part a template leaves empty', () => {
    const own = { title: 'own title', text: 'own text' };
    expect(applyTemplate(null, sampleFacts(0), null, own)).toBe(own);
    expect(applyTemplate({ title: '{{server}}', text: null }, sampleFacts(0), null, own)).toEqual({ title: 'web-1 (example)', text: 'own text' });
  });
});
