#!/usr/bin/env bash
# Writes docs/screenshots/eval-report.png: page 1 of the PDF evaluation
# report that batch/evalreport's test builds from its hand-made result file
# (two prompts × twelve multiple-choice items × two repetitions with choice
# probabilities; made-up numbers, no patient data), rendered at 60 dpi by
# `pdftoppm -png -r 60 -f 1 -l 1` (Debian poppler-utils).
#
# Usage: scripts/eval-report-screenshot.sh   (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./batch/evalreport -run '^TestReportHTMLAndPDF$' -count=1 -page "$PWD/docs/screenshots/eval-report.png"
echo "wrote docs/screenshots/eval-report.png"
