#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs every test.
# Extra arguments go to `dotnet test` (CI passes --no-build and a results directory).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " != *" --no-build "* ]]; then
    bash .ci/install-deps.sh
fi
exec dotnet test Gateway.Orleans.sln -c Release --blame-hang-timeout 5m --logger "trx" --logger "console;verbosity=normal" "$@"
