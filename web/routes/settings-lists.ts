/** The list editors of Appliance settings (vendor feeds, host groups), mounted before its `/:section` forms. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { settingsFeedRoutes } from './settings-feeds.js';
import { settingsGroupRoutes } from './settings-groups.js';

export const settingsListRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.route('/', settingsFeedRoutes(deps));
  app.route('/', settingsGroupRoutes(deps));
  return app;
};
