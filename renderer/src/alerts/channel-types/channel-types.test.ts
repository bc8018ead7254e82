import { describe, expect, it } from 'vitest';
import { CHANNEL_CONFIGS, CHANNEL_TYPES } from '@shared/alerts';
import { CHANNEL_TYPE_FORMS } from '.';

describe('the channel dialog’s types', () => {
  it('has a form for every channel type in the contract, and none it does not know', () => {
    expect(CHANNEL_TYPE_FORMS.map((form) => form.type).sort()).toEqual([...CHANNEL_TYPES].sort());
  });

  it.each(CHANNEL_TYPE_FORMS.map((form) => [form.type, form] as const))(
    '%s: its fields and starting values are its schema’s fields, every one',
    (type, form) => {
      const schema = CHANNEL_CONFIGS[type];
      // The message template is every templated type's alike: the dialog's own fields (TemplateFields), not the type's.
      const shape = Object.keys('shape' in schema ? schema.shape : (schema as unknown as { def: { in: { shape: object } } }).def.in.shape).filter(
        (field) => field !== 'template',
      );
      expect([...form.fields].sort()).toEqual(shape.sort());
      expect(Object.keys(form.initial(undefined)).sort()).toEqual(shape.sort());
    },
  );
});
