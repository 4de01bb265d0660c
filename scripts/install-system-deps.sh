#!/usr/bin/env bash
# Installs the Debian packages the platform and its tests need, only those missing.
# Usage: scripts/install-system-deps.sh [demo|test]   (needs root, or does nothing but report)
set -euo pipefail
profile="${1:-test}"
# PDF reports (WeasyPrint): Pango, HarfBuzz subsetting, CJK fonts
pkgs=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "$profile" = "test" ]; then
  pkgs+=(poppler-utils)  # pdftotext / pdftoppm check the rendered reports
  pkgs+=(chromium postgresql-15-postgis-3 nats-server)
  # camera simulator (GStreamer RTSP server, system python gi), ffmpeg, vtest.avi (docs/video.md)
  pkgs+=(gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x ffmpeg opencv-doc)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages (install them as root): ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
