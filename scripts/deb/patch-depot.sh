#!/bin/sh
# The patch-depot command line, on the Node.js runtime the package ships.
exec /opt/patch-depot/node/bin/node /opt/patch-depot/dist/daemon/main.js "$@"
