#!/usr/bin/env bash
# descendants.sh REV OUT: copy into OUT (a new git repository) the files of src/ at HEAD that descend from the
# files of src/ at REV (unchanged, changed, or renamed with 40 % alike), so that a measure over the tree
# (the `duplicates` tool, say) can be compared on the same code at REV and now, leaving out files added since.
set -euo pipefail
rev=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
{
  git diff --find-renames=40% --name-status "$rev" HEAD -- src | awk '$1 ~ /^M/ {print $2} $1 ~ /^R/ {print $3}'
  git ls-tree -r --name-only "$rev" -- src | while read -r f; do
    if [ -e "$f" ] && git diff --quiet "$rev" HEAD -- "$f"; then echo "$f"; fi
  done
} | sort -u | while read -r f; do
  mkdir -p "$out/$(dirname "$f")" && cp "$f" "$out/$f"
done
git -C "$out" init -q && git -C "$out" add -A && git -C "$out" -c user.email=bench@keikaku -c user.name=bench commit -qm descendants
echo "$(git -C "$out" ls-files | wc -l) files of HEAD descend from $rev's src/ (in $out)"
