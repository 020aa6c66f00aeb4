#!/bin/sh
# The patch-depot command line, on the Node.js runtime the package ships, working on the daemon's
# data directory (patch-depot.service's StateDirectory) unless PATCH_DEPOT_DATA_DIR or --data-dir
# says otherwise: `patch-depot setup-code` or `inventory --public-key` must not make a ./.data.
: "${PATCH_DEPOT_DATA_DIR:=/var/lib/patch-depot}"
export PATCH_DEPOT_DATA_DIR
exec /opt/patch-depot/node/bin/node /opt/patch-depot/dist/daemon/main.js "$@"
