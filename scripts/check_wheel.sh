#!/usr/bin/env bash
# A plain `pip install` of the built wheel runs on its own: it creates the database with the
# migrations it carries, loads the demo, serves, and speaks French from its compiled catalogues.
# Run from anywhere; it builds from this checkout and works in a temporary folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
PORT="${PORT:-5391}"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building the wheel..."
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$ROOT"
"$PYTHON" -m venv "$work/venv"
echo "Installing it into a new virtual environment..."
"$work/venv/bin/pip" install --quiet "$work"/dist/*.whl
cd "$work"  # away from the checkout: the package must carry everything it needs
export HUB_INSTANCE_PATH="$work/instance"
"$work/venv/bin/hub" db upgrade
"$work/venv/bin/hub" demo >/dev/null
"$work/venv/bin/hub" serve --port "$PORT" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  if "$PYTHON" - "$PORT" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
PY
  if ! kill -0 "$server" 2>/dev/null; then cat "$work/serve.log"; echo "hub serve stopped" >&2; exit 1; fi
  sleep 1
done
"$PYTHON" - "$PORT" <<'PY'
import sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/", headers={"Accept-Language": "fr"}
)
page = urllib.request.urlopen(request, timeout=10).read().decode()
assert 'lang="fr"' in page and "Parcourir" in page, "the installed hub does not speak French"
print("The installed wheel serves the demo in French.")
PY
