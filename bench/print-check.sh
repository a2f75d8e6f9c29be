#!/bin/sh
# Print the demo's HTML documents to A4 PDFs with headless Chromium and report each one's
# page count and page size; optionally render every page to PNG to look at.
#
#     bench/print-check.sh [DIR] [--png]
#
# DIR (default demo-output) is made with `calloff demo --dir DIR` if it holds no HTML yet.
# PDFs (and PNGs with --png) go to DIR-print/ beside DIR (the demo keeps DIR for its own
# files, so `make demo` still runs after this). Needs chromium (Debian: `apt-get install
# chromium`); page counts come from pdfinfo (poppler-utils) if present, else from Python.
# Exits 1 if a page is not A4 or a document fails to print. See docs/printing.md.
set -eu

dir=demo-output
png=no
for arg in "$@"; do
    case "$arg" in
        --png) png=yes ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) dir=$arg ;;
    esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
calloff=${CALLOFF:-$here/.venv/bin/calloff}
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$name" >/dev/null 2>&1; then browser=$name; break; fi
    done
fi
if [ -z "$browser" ]; then
    echo "no Chromium found: install it (apt-get install chromium) or set CHROMIUM=path" >&2
    exit 2
fi

if ! ls "$dir"/*.html >/dev/null 2>&1; then
    "$calloff" demo --dir "$dir" >/dev/null
fi
out="${dir%/}-print"
mkdir -p "$out"

pages_of() {  # page count and size of a PDF: "7 595x842"
    if command -v pdfinfo >/dev/null 2>&1; then
        pdfinfo "$1" | awk '/^Pages:/ {n=$2} /^Page size:/ {w=$3; h=$5}
                            END {printf "%d %.0fx%.0f\n", n, w, h}'
    else
        python3 - "$1" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", data)
size = f"{float(box[3]):.0f}x{float(box[4]):.0f}" if box else "?"
print(pages, size)
EOF
    fi
}

status=0
for html in "$dir"/*.html; do
    name=$(basename "$html" .html)
    pdf="$out/$name.pdf"
    # --no-pdf-header-footer: no date and file path printed in the margins.
    if ! "$browser" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
            --print-to-pdf="$pdf" "file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")" \
            >/dev/null 2>&1 || [ ! -s "$pdf" ]; then
        echo "$name: did not print" >&2
        status=1
        continue
    fi
    set -- $(pages_of "$pdf")
    count=$1 size=$2
    case "$size" in
        595x842|594x842|595x841) verdict="A4" ;;  # 210 × 297 mm in points
        *) verdict="NOT A4"; status=1 ;;
    esac
    printf '%-24s %3s page(s)  %s pt  %s\n' "$name" "$count" "$size" "$verdict"
    if [ "$png" = yes ] && command -v pdftoppm >/dev/null 2>&1; then
        pdftoppm -r 80 -png "$pdf" "$out/$name"
    fi
done
exit $status
