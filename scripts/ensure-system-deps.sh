#!/usr/bin/env bash
# Installs the Debian packages a make target needs, when missing, before anything else runs.
#   site: python3-venv (a fresh Debian's `python3 -m venv` needs it) and git (page histories)
#   test: the above, Debian's chromium (driven by Playwright via executable_path), a Java
#         runtime (the Nu Html Checker) and Node.js with npm (axe-core, vnu-jar)
set -euo pipefail
mode="${1:-test}"
need=()
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v git >/dev/null 2>&1 || need+=(git)
if [ "$mode" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
