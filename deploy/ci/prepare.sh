#!/usr/bin/env bash
# Machine-level things the tests need that are not Python packages: checked, installed when missing.
set -euo pipefail

# docker-compose v1 validates docker-compose.yml offline (no engine needed); Debian package.
if ! command -v docker-compose >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing docker-compose (Debian) to validate docker-compose.yml..."
  (apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 \
    || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1)) \
    || echo "docker-compose could not be installed; its test will be skipped"
fi

# Headless Chromium (Debian package) checks that /docs renders Swagger UI from the gateway's own assets.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing chromium (Debian) for the offline /docs check..."
  (apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
    || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1)) \
    || echo "chromium could not be installed; the browser check of /docs will be skipped"
fi

# n8n for the real-n8n end-to-end test: installed once per machine into a cache outside the repository.
if command -v node >/dev/null 2>&1 && [ -x deploy/n8n/install.sh ]; then
  deploy/n8n/install.sh >/dev/null
fi
