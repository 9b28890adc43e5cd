# Sourced by the scripts: make .venv with relaydesk installed (again when pyproject changes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "relaydesk needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
stamp=".venv/.relaydesk-$(sha256sum pyproject.toml | cut -c1-16)-$1"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  if [ "$1" = dev ]; then extra=".[dev]"; else extra="."; fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$extra"
  rm -f .venv/.relaydesk-*
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
