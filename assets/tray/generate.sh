#!/bin/sh
# Regenerates the tray icons (assets/tray/*.png) from the SVGs next to this script.
# Needs rsvg-convert (Debian: apt-get install -y librsvg2-bin). Run from anywhere.
set -eu
cd "$(dirname "$0")"
for status in up degraded down unknown; do
  # 16 px (and @2x) for macOS and Windows; 32 px (and @2x) for Linux panels, which scale it down.
  rsvg-convert -w 16 -h 16 "$status.svg" -o "$status.png"
  rsvg-convert -w 32 -h 32 "$status.svg" -o "$status@2x.png"
  rsvg-convert -w 32 -h 32 "$status.svg" -o "$status-32.png"
  rsvg-convert -w 64 -h 64 "$status.svg" -o "$status-32@2x.png"
done
