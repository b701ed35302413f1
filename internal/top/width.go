package top

import "github.com/rivo/uniseg"

// runeWidth is how many terminal cells r takes (uniseg is tcell's own
// measure).
func runeWidth(r rune) int {
	if w := uniseg.StringWidth(string(r)); w > 0 {
		return w
	}
	return 1
}
