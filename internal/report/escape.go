package report

import (
	"unicode"
	"unicode/utf8"
)

// Terminal makes a name safe to print to a terminal: the characters that
// drive one instead of being drawn (C0 controls such as ESC, CR and NUL,
// DEL, C1 controls) and those that change how the rest of a line is
// drawn or hide text (Unicode format characters: the bidi overrides and
// isolates U+202A-U+202E and U+2066-U+2069, zero-width characters, the
// BOM, tag characters; and the line and paragraph separators) are
// written as Python writes them in a repr: \t \n \r, \xhh, \uhhhh,
// \Uhhhhhhhh. Bytes that are not UTF-8 are written \xhh. A name printed
// so is plain visible text, one column per character, so that tables
// stay aligned. Backslashes are left alone: Windows paths stay readable,
// and a name that spells out "\x1b" itself is only text.
func Terminal(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++ // printable ASCII, the usual name, needs nothing
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = appendHex(b, 'x', uint32(s[i]), 2)
		case !drawn(r):
			switch r {
			case '\t':
				b = append(b, `\t`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			default:
				switch {
				case r < 0x100:
					b = appendHex(b, 'x', uint32(r), 2)
				case r < 0x10000:
					b = appendHex(b, 'u', uint32(r), 4)
				default:
					b = appendHex(b, 'U', uint32(r), 8)
				}
			}
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// drawn reports whether a terminal draws r as a character rather than
// obeying it.
func drawn(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return false
	case r < 0x7f:
		return true
	case r == '\u2028', r == '\u2029':
		return false
	}
	return !unicode.Is(unicode.Cf, r)
}

func appendHex(b []byte, kind byte, v uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '\\', kind)
	for d := digits - 1; d >= 0; d-- {
		b = append(b, hex[v>>(4*d)&15])
	}
	return b
}
