#!/usr/bin/env bash
# Debian packages the tests need: Japanese fonts for PDF reports, poppler for reading PDFs back,
# Chromium for the browser tests (driven by Playwright; never a downloaded browser), and Tesseract with its
# Japanese data for reading scanned PDFs (ocrmypdf, a Python dependency, drives it).
# Installs only what is missing; needs root (as on the project's machines) or prints what to install.
set -euo pipefail
PACKAGES=(fonts-noto-cjk poppler-utils chromium tesseract-ocr tesseract-ocr-jpn)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
