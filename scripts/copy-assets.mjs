// Copy the UI's static files beside the compiled web/ code: dist/web/static-assets.js reads them there.
import { cpSync } from 'node:fs';

cpSync('web/static', 'dist/web/static', { recursive: true });
