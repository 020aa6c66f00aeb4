// After tsc: copy the UI's static files beside the compiled web/ code (dist/web/static-assets.js
// reads them there) and make the package's `bin` executable (tsc writes files 0644, and
// `npx patch-depot` runs dist/daemon/main.js through its #!/usr/bin/env node line).
import { chmodSync, cpSync } from 'node:fs';

cpSync('web/static', 'dist/web/static', { recursive: true });
chmodSync('dist/daemon/main.js', 0o755);
