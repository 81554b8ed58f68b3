// Test fixtures: every test gets its own Parley server (real binary, --demo, a fresh data
// directory) and pages whose base URL points at it.
import { test as base, expect } from '@playwright/test';
import { Server } from '../../e2e/lib/server.mjs';

export { expect };

export const test = base.extend({
  // Extra `parley serve` flags for a file's tests: test.use({ serverFlags: ['--offer-timeout', '5'] }).
  serverFlags: [[], { option: true }],

  server: async ({ serverFlags }, use) => {
    const server = new Server({ flags: serverFlags });
    await server.start();
    await use(server);
    await server.stop();
  },

  baseURL: async ({ server }, use) => {
    await use(server.base);
  },

  // A new browser context (its own cookies: one signed-in user per context) on the server.
  newPage: async ({ browser, server }, use) => {
    const contexts = [];
    await use(async (options = {}) => {
      const context = await browser.newContext({ baseURL: server.base, ...options });
      contexts.push(context);
      return context.newPage();
    });
    for (const c of contexts) await c.close();
  },
});
