import { afterEach, describe, expect, it } from 'vitest';
import { server } from '../testing/fixtures';
import { useDialogStore } from './dialog-store';

afterEach(() => useDialogStore.setState({ dialog: null }));

describe('the dialog store', () => {
  it('holds one dialog at a time: opening another replaces it, closing leaves none', () => {
    const web = server({ name: 'web-01' });
    useDialogStore.getState().open({ kind: 'server-edit', server: web });
    expect(useDialogStore.getState().dialog).toEqual({ kind: 'server-edit', server: web });

    useDialogStore.getState().open({ kind: 'palette' });
    expect(useDialogStore.getState().dialog).toEqual({ kind: 'palette' });

    useDialogStore.getState().close();
    expect(useDialogStore.getState().dialog).toBeNull();
  });
});
