/**
 * Static files of the UI, read once at start and served from memory with an ETag: the
 * stylesheet from web/static and htmx from the installed htmx.org package (never a CDN: the
 * appliance must work on a LAN without internet).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

const require = createRequire(import.meta.url);

/** Where each public asset comes from. The stylesheet sits beside this file (copied into dist by the build). */
const sources = (): Record<string, { path: string; type: string }> => ({
  'style.css': {
    path: fileURLToPath(new URL('./static/style.css', import.meta.url)),
    type: 'text/css; charset=utf-8',
  },
  'favicon.svg': {
    path: fileURLToPath(new URL('./static/favicon.svg', import.meta.url)),
    type: 'image/svg+xml',
  },
  'htmx.min.js': {
    path: require.resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
});

export type StaticAssets = Map<string, Asset>;

export const loadStaticAssets = async (): Promise<StaticAssets> => {
  const assets = new Map<string, Asset>();
  for (const [name, { path, type }] of Object.entries(sources())) {
    const body = await readFile(path);
    assets.set(name, {
      body,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  return assets;
};

export const staticRoutes = (assets: StaticAssets) => {
  const app = new Hono();
  app.get('/static/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    c.header('ETag', asset.etag);
    c.header('Cache-Control', 'public, max-age=3600, must-revalidate');
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
  return app;
};
