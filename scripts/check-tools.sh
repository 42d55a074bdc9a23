#!/usr/bin/env bash
# FlexMarket setup check: the tools `make run` and `make test` need before they can install
# anything else — Python >= 3.11 with venv, Node.js >= 20 with npm. Says what is missing.
set -u
py=${PYTHON:-python3}
missing=()

if ! command -v "$py" >/dev/null 2>&1; then
  missing+=("Python >= 3.11: '$py' not found")
elif ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  missing+=("Python >= 3.11: found $("$py" --version 2>&1)")
elif ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=("Python's venv module (Debian package python3-venv)")
fi

if ! command -v node >/dev/null 2>&1; then
  missing+=("Node.js >= 20: 'node' not found")
else
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then missing+=("Node.js >= 20: found $(node --version)"); fi
fi
command -v npm >/dev/null 2>&1 || missing+=("npm (comes with Node.js)")

if [ ${#missing[@]} -gt 0 ]; then
  echo "FlexMarket cannot set itself up; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "On Debian/Ubuntu: apt-get install python3 python3-venv nodejs npm (Node.js 20 or newer)" >&2
  exit 1
fi
