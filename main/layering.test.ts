import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer table of docs/architecture.md §2 is enforced by eslint.config.js. These cases prove the rule
 * bites: an import that breaks the table is an error in the file that makes it.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** What ESLint says about `code` as if it were the file at `path`: restricted-import errors, and everything else. */
async function lint(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  const messages = result?.messages ?? [];
  return {
    layerErrors: messages.filter((message) => message.ruleId === 'no-restricted-imports' && message.severity === 2),
    all: messages,
  };
}

describe('the layer rule', () => {
  it.each([
    ['main/core/x.ts', "import { app } from 'electron';\nexport const ready = app.whenReady();\n"],
    ['main/core/servers/x.ts', "import { ipcMain } from 'electron/main';\nexport const bus = ipcMain;\n"],
    ['main/core/api/x.ts', "import '../../desktop/ipc';\n"],
    ['main/core/api/x.ts', "import { serve } from '../../headless/serve';\nexport const start = serve;\n"],
    ['main/core/x.ts', "import { App } from '../../renderer/src/App';\nexport const ui = App;\n"],
    ['renderer/src/x.ts', "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n"],
    ['renderer/src/x.ts', "import fs from 'fs';\nexport const read = fs.readFileSync;\n"],
    ['renderer/src/x.ts', "import { createCore } from '../../main/core/app';\nexport const core = createCore;\n"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const ipc = ipcRenderer;\n"],
    ['shared/x.ts', "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n"],
    ['shared/x.ts', "import fs from 'fs';\nexport const read = fs.readFileSync;\n"],
    ['shared/api/x.ts', "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n"],
    ['shared/x.ts', "import { Router } from '../main/core/api/router';\nexport const router = Router;\n"],
    ['main/headless/x.ts', "import { app } from 'electron';\nexport const ready = app.whenReady();\n"],
    ['preload/x.ts', "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n"],
    // The same layers reached through the path aliases, and the aliases skipped for climbing folders.
    ['renderer/src/x.ts', "import { createCore } from '@core/app';\nexport const core = createCore;\n"],
    ['shared/x.ts', "import { Router } from '@core/api/router';\nexport const router = Router;\n"],
    ['preload/x.ts', "import { createCore } from '@core/app';\nexport const core = createCore;\n"],
    ['main/core/api/x.ts', "import { methods } from '../../../shared/api';\nexport const all = methods;\n"],
    ['main/headless/x.ts', "import { createCore } from '../core/app';\nexport const core = createCore;\n"],
    ['renderer/src/x.ts', "import { methods } from '../../shared/api';\nexport const all = methods;\n"],
  ])('refuses in %s: %s', async (path, code) => {
    const { layerErrors } = await lint(path, code);
    expect(layerErrors.length).toBeGreaterThan(0);
    expect(layerErrors[0]?.message).toMatch(/docs\/architecture\.md §\d/);
  });

  it.each([
    ['shared/x.ts', "import { z } from 'zod';\nexport const Name = z.string();\n"],
    ['main/desktop/x.ts', "import { app } from 'electron';\nexport const ready = app.whenReady();\n"],
    ['main/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
    ['main/core/api/x.ts', "import { methods } from '@shared/api';\nexport const all = methods;\n"],
    ['main/headless/x.ts', "import { createCore } from '@core/app';\nexport const core = createCore;\n"],
    ['renderer/src/x.ts', "import { methods } from '@shared/api';\nexport const all = methods;\n"],
    ['preload/x.ts', "import { contextBridge } from 'electron';\nexport const bridge = contextBridge;\n"],
  ])('allows in %s: %s', async (path, code) => {
    const { all } = await lint(path, code);
    expect(all).toEqual([]);
  });
});

/**
 * The domain rule of docs/architecture.md §2: a domain of main/core reaches another only through that
 * domain's index, never its tables or internals. These cases prove it bites where the layer rule still
 * holds, and that the spine, tests and foreign keys stay open.
 */
describe('the domain rule', () => {
  it.each([
    ['main/core/health/x.ts', "import { serversTable } from '../servers/table';\nexport const t = serversTable;\n"],
    ['main/core/reports/x.ts', "import { RollupAccumulator } from '../health/rollups';\nexport const r = RollupAccumulator;\n"],
    ['main/core/health/checks/x.ts', "import { secretsTable } from '../../vault/table';\nexport const t = secretsTable;\n"],
    ['main/core/schedules/x.ts', "import { usersTable } from '@core/auth/table';\nexport const t = usersTable;\n"],
    ['main/core/vault/table.ts', "import { accountsOf } from '../auth/accounts';\nexport const a = accountsOf;\n"],
    ['main/core/operations/x.ts', "import { AuditStore } from '../audit/store';\nexport const s = AuditStore;\n"],
    ['main/core/health/x.ts', "import { DeliveryWorker } from '../alerts/worker';\nexport const w = DeliveryWorker;\n"],
  ])('refuses in %s: %s', async (path, code) => {
    const { layerErrors } = await lint(path, code);
    expect(layerErrors).toHaveLength(1);
    expect(layerErrors[0]?.message).toMatch(/only through its index.*docs\/architecture\.md §2/);
  });

  it('still applies the layer rule in a domain', async () => {
    const { layerErrors } = await lint('main/core/servers/x.ts', "import { app } from 'electron';\nexport const ready = app.whenReady();\n");
    expect(layerErrors[0]?.message).toMatch(/docs\/architecture\.md §2/);
  });

  it.each([
    ['main/core/health/x.ts', "import { serverInfo } from '../servers';\nexport const read = serverInfo;\n"],
    ['main/core/reports/x.ts', "import { statusOfServer } from '@core/health';\nexport const s = statusOfServer;\n"],
    ['main/core/health/x.ts', "import { readChecks } from './check-loader';\nexport const read = readChecks;\n"],
    ['main/core/health/x.ts', "import { toCsvCell } from '../csv';\nexport const cell = toCsvCell;\n"],
    ['main/core/api/x.ts', "import { serversTable } from '../servers/table';\nexport const t = serversTable;\n"],
    ['main/core/health/x.test.ts', "import { serversTable } from '../servers/table';\nexport const t = serversTable;\n"],
    ['main/core/reports/testing/x.ts', "import { RollupAccumulator } from '../../health/rollups';\nexport const r = RollupAccumulator;\n"],
    ['main/core/health/table.ts', "import { serversTable } from '../servers/table';\nexport const t = serversTable;\n"],
    ['main/core/health/table.pg.ts', "import { serversTable } from '../servers/table.pg';\nexport const t = serversTable;\n"],
  ])('allows in %s: %s', async (path, code) => {
    const { all } = await lint(path, code);
    expect(all).toEqual([]);
  });
});
