#!/usr/bin/env bash
# `deno task setup-notebooks`: installs what the notebooks need, idempotently: Jupyter's
# nbconvert and kernel client (Debian packages, not pip: CI reaches Debian apt and npm only),
# Chromium for the PNG renders of figures, and the Deno kernelspec. CI (.ci/run) runs the same
# task on every start; a user runs it once. Needs apt-get (Debian/Ubuntu) and root or sudo for
# the packages; on other systems install jupyter and chromium yourself, then run
# `deno jupyter --install`.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="__none__"; fi
fi

missing=()
command -v jupyter-nbconvert >/dev/null 2>&1 || missing+=(jupyter-nbconvert)
/usr/bin/python3 -c "import nbclient" >/dev/null 2>&1 || missing+=(python3-nbclient)
/usr/bin/python3 -c "import jupyter_client" >/dev/null 2>&1 || missing+=(jupyter-client)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Chromium pulls in no fonts; without one the PNGs' axis labels are boxes.
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$SUDO" = "__none__" ]; then
    echo "setup-notebooks: need root (or sudo) to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup-notebooks: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --force: rewrite the kernelspec every time so it points at the deno now on PATH
# (without it a second run fails with "kernel already exists").
deno jupyter --install --force >/dev/null 2>&1 || deno jupyter --install --force
jupyter kernelspec list 2>/dev/null | grep -qE '^\s+deno\s' || {
  echo "setup-notebooks: the deno kernelspec is not listed by jupyter" >&2
  exit 1
}
echo "setup-notebooks: jupyter nbconvert $(jupyter nbconvert --version 2>/dev/null), deno kernel, $(command -v chromium || echo 'no chromium')"
echo "setup-notebooks: open notebooks/ in VS Code (Jupyter extension, kernel \"Deno\") or JupyterLab;"
echo "  or run them headless: deno task notebooks --profile quick [--results DIR]"
