#!/usr/bin/env bash
# Installs everything Lookalike needs and builds it: dependencies, the default model, the app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
echo "Using Node $(node --version)"
# onnxruntime-node's postinstall would download CUDA libraries; .npmrc skips it (see README: GPU).
if [ -f package-lock.json ]; then npm ci; else npm install; fi
npm run build
