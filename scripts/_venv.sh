# Sourced by the scripts: make .venv with relaydesk installed (again when pyproject changes).
# $1: "run" (relaydesk alone) or "dev" (with the test tools). RELAYDESK_EXTRAS adds more
# extras, e.g. RELAYDESK_EXTRAS=embeddings for the sentence-embedding NLU backend.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "relaydesk needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
extras="$1"
[ "$extras" = run ] && extras=""
if [ -n "${RELAYDESK_EXTRAS:-}" ]; then extras="${extras:+$extras,}$RELAYDESK_EXTRAS"; fi
stamp=".venv/.relaydesk-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/-}"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  if [[ ",$extras," == *",embeddings,"* ]]; then
    # The CPU build first: a torch pulled in unpinned by sentence-transformers would be
    # the CUDA build, several GB.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
  rm -f .venv/.relaydesk-*
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
