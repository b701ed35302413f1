// Package pyrepr writes values as Python's repr() does, for the messages
// in which hpp shows what Python would show: pstats' "due to restriction
// <...>" line and the Python objects an unreadable profile holds.
package pyrepr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Str returns repr(s) for the Python str whose UTF-8 bytes s holds.
// Bytes that are not UTF-8 stand for what Python makes of them: a lone
// surrogate written by marshal (ED A0 80 is U+D800) is that surrogate,
// and any other byte b is U+DC00+b, as Python's surrogateescape decodes
// file names and command-line arguments.
func Str(s string) string {
	q := quote(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if c := s[i]; c == 0xed && i+2 < len(s) && s[i+1] >= 0xa0 && s[i+1] <= 0xbf && s[i+2] >= 0x80 && s[i+2] <= 0xbf {
				r, size = rune(c&0x0f)<<12|rune(s[i+1]&0x3f)<<6|rune(s[i+2]&0x3f), 3
			} else {
				r = 0xdc00 + rune(c)
			}
			escape(&b, r)
			i += size
			continue
		}
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t', r == '\n', r == '\r':
			escape(&b, r)
		case !unicode.IsPrint(r):
			// Python's str.isprintable: letters, marks, numbers,
			// punctuation, symbols and the ASCII space, as Go's IsPrint.
			escape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte(q)
	return b.String()
}

// Bytes returns repr(s) for a Python bytes object.
func Bytes(s string) string {
	q := quote(s)
	var b strings.Builder
	b.Grow(len(s) + 3)
	b.WriteByte('b')
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t' || c == '\n' || c == '\r' || c < 0x20 || c >= 0x7f:
			escape(&b, rune(c))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// quote is the quote Python picks: ' unless s holds ' and no ".
func quote(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

func escape(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	switch {
	case r == '\t':
		b.WriteString(`\t`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r <= 0xff:
		b.Write([]byte{'\\', 'x', hex[r>>4], hex[r&15]})
	case r <= 0xffff:
		b.Write([]byte{'\\', 'u', hex[r>>12], hex[r>>8&15], hex[r>>4&15], hex[r&15]})
	default:
		b.WriteString(`\U`)
		for shift := 28; shift >= 0; shift -= 4 {
			b.WriteByte(hex[r>>shift&15])
		}
	}
}

// Float returns repr(f) for a Python float: the shortest digits that
// read back as f, in exponent form below 1e-4 and from 1e16 up, and
// otherwise with at least one digit after the point.
func Float(f float64) string {
	switch {
	case f != f:
		return "nan"
	case f > 1.7976931348623157e308:
		return "inf"
	case f < -1.7976931348623157e308:
		return "-inf"
	}
	exp := 0
	if f != 0 {
		// The decimal exponent of the shortest digits, as 'e' writes it.
		e := strconv.FormatFloat(f, 'e', -1, 64)
		exp, _ = strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
		if exp < -4 || exp >= 16 {
			return e
		}
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if strings.IndexByte(s, '.') < 0 {
		s += ".0"
	}
	return s
}
