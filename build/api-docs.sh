#!/usr/bin/env bash
# Builds the API reference site (docfx, pinned in dotnet-tools.json) from the XML docs of the shipped packages
# into artifacts/api-site. Warnings are errors, so a broken cross reference or a missing page fails the build.
# Called by .ci/run; to browse it locally: dotnet tool restore && dotnet docfx docs/api/docfx.json --serve
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
rm -rf docs/api/api artifacts/api-site
dotnet docfx docs/api/docfx.json --warningsAsErrors
test -s artifacts/api-site/api/SpikeLfp.Learning.Training.LfpTrainer.html
