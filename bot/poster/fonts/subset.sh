#!/bin/sh
# Remakes the poster fonts from Debian's Noto fonts. Not part of the build:
# the results are committed. Needs: apt-get install -y fonts-noto-core
# python3-fonttools python3-brotli
#
# Hinting is dropped (posters are vector PDF and SVG, and print); layout
# tables stay whole so that Arabic joins and marks, and kerning, still work.
# The WOFF2 files keep their glyf table untransformed: the font reader in
# github.com/tdewolff/font rebuilds a transformed one in a form the shaper
# (github.com/go-text/typesetting) cannot read.
set -eu
cd "$(dirname "$0")"
src=/usr/share/fonts/truetype/noto
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian's python3 has fontTools; a python3 earlier on the PATH may not.
py=/usr/bin/python3
# Latin (with Vietnamese), Greek, Cyrillic, combining marks, punctuation,
# currency signs and a few symbols.
latin='U+0000-024F,U+0259,U+02B0-02FF,U+0300-036F,U+0370-03FF,U+0400-052F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-215F,U+2190-2199,U+2212,U+25CC,U+FEFF,U+FFFD'
for w in Regular Bold; do
	# Arabic and Persian, Ethiopic (Tigrinya, Amharic): every character
	# the font has.
	for f in NotoSans NotoSansArabic NotoSansEthiopic; do
		unicodes='*'
		[ "$f" = NotoSans ] && unicodes=$latin
		"$py" -m fontTools.subset "$src/$f-$w.ttf" --unicodes="$unicodes" \
			--layout-features='*' --no-hinting --output-file="$tmp/$f-$w.ttf"
		"$py" -c 'import sys; from fontTools.ttLib import woff2; woff2.compress(sys.argv[1], sys.argv[2], transform_tables=set())' \
			"$tmp/$f-$w.ttf" "$f-$w.woff2"
	done
done
ls -l ./*.woff2
