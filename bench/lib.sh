# Set-up shared by the bench scripts (sourced from the repository root).

# Installs what the tests need plus Debian package `$1` when its command `$2` is missing, builds
# siptool in release mode into $siptool, and makes a work directory $work that is removed on exit.
bench_setup() {
  local package=$1 command=$2
  scripts/install-deps.sh test
  if ! command -v "$command" >/dev/null 2>&1; then
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq "$package" >/dev/null
  fi
  swift build -c release --product siptool >/dev/null
  siptool="$(swift build -c release --show-bin-path)/siptool"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
}
