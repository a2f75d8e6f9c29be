#!/usr/bin/env bash
# Refresh the GOV.UK Frontend files the workspace ships (framework/calloff/web/static/
# govuk-frontend/) from the npm package, so that nothing is fetched at run time.
#
# The CSS is compiled from the package's Sass with Arial in place of GDS Transport: the
# GOV.UK typeface and the crown are only for services on GOV.UK, and a council's is not.
# Needs node and npm (a developer's machine, not the server). Usage:
#   tools/vendor-govuk-frontend.sh [VERSION]    (default: the version in VERSION below)
set -euo pipefail
VERSION="${1:-6.6.0}"
SASS=1.108.2
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$HERE/framework/calloff/web/static/govuk-frontend"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "govuk-frontend@$VERSION" "sass@$SASS"
cat > calloff.scss <<'SCSS'
@use "govuk-frontend/dist/govuk" with (
  $govuk-font-family: (arial, sans-serif),
  $govuk-assets-path: "/static/govuk-frontend/assets/"
);
SCSS
npx sass --load-path=node_modules --style=compressed --no-source-map calloff.scss govuk-frontend.min.css
rm -rf "$OUT"
mkdir -p "$OUT"
cp govuk-frontend.min.css "$OUT/"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$OUT/"
# The npm package carries no licence file; its package.json says MIT, as the repository's does.
node -e 'const p=require("govuk-frontend/package.json"); if (p.license !== "MIT") process.exit(1)'
cat > "$OUT/LICENCE.txt" <<'TEXT'
GOV.UK Frontend (https://github.com/alphagov/govuk-frontend), MIT licence.

The MIT License (MIT)

Copyright (c) 2018 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
TEXT
echo "$VERSION" > "$OUT/VERSION"
echo "GOV.UK Frontend $VERSION in $OUT"
