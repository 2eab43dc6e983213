#!/usr/bin/env bash
# Installs the system libraries NCLandscape links against, only when one is missing.
# Sourced by run.sh and test.sh. Needs root (or sudo) on Debian/Ubuntu the first time.
set -euo pipefail

NCL_PACKAGES=(liblapacke-dev libopenblas-dev libarpack2-dev libqd-dev)

ncl_missing_packages() {
    local missing=()
    for p in "${NCL_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    echo "${missing[@]:-}"
}

ncl_install_packages() {
    local missing
    missing="$(ncl_missing_packages)"
    if [[ -z "${missing// /}" ]]; then
        return 0
    fi
    echo "setup: installing missing system packages: $missing" >&2
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "setup: need root to install $missing (run as root, or install them yourself)" >&2; exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq $missing >/dev/null
}

ncl_find_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [[ -x /opt/swift/usr/bin/swift ]]; then export PATH="/opt/swift/usr/bin:$PATH";
        elif [[ -x /opt/swift/bin/swift ]]; then export PATH="/opt/swift/bin:$PATH";
        else echo "setup: no swift toolchain found (expected on PATH or in /opt/swift)" >&2; exit 1; fi
    fi
}

# Builds the release command-line tool (build log on stderr) and prints its path.
# The release binary, built here; NCL_BIN names one built elsewhere (e.g. while this tree's
# binary is running), and skips the build.
ncl_release_binary() {
    if [[ -n "${NCL_BIN:-}" ]]; then echo "$NCL_BIN"; return; fi
    swift build -c release --product nclandscape >&2
    echo "$PWD/.build/release/nclandscape"
}

ncl_install_packages
ncl_find_swift
