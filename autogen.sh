#!/bin/sh
# Regenerate the build system. Generated files stay out of git.
set -e
cd "$(dirname "$0")"
autoreconf -fi
