#!/bin/bash
# The long campaign of 2026-11-29: 10^5 trials over the corrected catalogue at main 93e220d.
cd "${REPO:-.}"   # a clone of main at 93e220d, built with: dotnet build -c Release src/TvRelu.Cli
OUT="${OUT:-$PWD/out}"; mkdir -p "$OUT"
T=src/TvRelu.Cli/bin/Release/net10.0/TvRelu.Cli.dll
for ct in cover-euler:43000 extreme-per-region:30000 representer:5000 support-bound:5000 uniqueness:4000 support-conjecture:5000 low-noise-boundary:3000 low-noise-interior:3000 dedios-bruna-ii:1000 dedios-bruna-i:1000; do
  c=${ct%%:*}; n=${ct##*:}
  s=$(date +%s)
  nice -n 5 dotnet $T audit --claim $c --trials $n --seed 20261129 --out "$OUT/$c" --resume > "$OUT/$c.log" 2>&1
  echo "$c $n rc=$? $(( $(date +%s) - s ))s load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/progress.txt"
done
echo DONE >> "$OUT/progress.txt"
