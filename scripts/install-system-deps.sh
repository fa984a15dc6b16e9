#!/usr/bin/env bash
# Installs the system packages the project needs: Debian's Chromium and CJK fonts (browser tests);
# LibreOffice Writer headless (DOC/WPS -> DOCX, build_tools/ingest/office.py; the tests also make PDFs with it),
# poppler-utils (pdftoppm) and tesseract with Simplified Chinese (opt-in OCR of scanned PDFs).
# Idempotent; does nothing when they are already there.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)  # fc-list's names vary with the locale
office=()
command -v soffice >/dev/null 2>&1 || office+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || office+=(poppler-utils)
command -v tesseract >/dev/null 2>&1 || office+=(tesseract-ocr)
{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx chi_sim; } || office+=(tesseract-ocr-chi-sim)
[ ${#need[@]} -eq 0 ] && [ ${#office[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing system packages: ${need[*]} ${office[*]}" >&2
$SUDO apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#office[@]} -gt 0 ]; then
  # without recommends: LibreOffice would otherwise pull in Java and desktop integration
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${office[@]}" >/dev/null
fi
