package cpython

// The line of an instruction comes from a table in the code object whose
// format changed twice: co_lnotab up to 3.9, co_linetable in 3.10, and the
// location table from 3.11. Each function here takes the table's bytes,
// the code object's first line and the instruction's byte offset, and
// returns the line, or 0 when the instruction has none. They read
// untrusted bytes (a running target's memory) and never panic.

// LineLnotab decodes a co_lnotab (3.6–3.9): pairs of unsigned byte-offset
// and signed line increments.
func LineLnotab(tab []byte, firstLine int, addr int) int {
	if addr < 0 {
		return firstLine
	}
	line := firstLine
	a := 0
	for i := 0; i+1 < len(tab); i += 2 {
		a += int(tab[i])
		if a > addr {
			break
		}
		line += int(int8(tab[i+1]))
	}
	return line
}

// Line310 decodes the 3.10 co_linetable: pairs of unsigned byte-offset
// delta and signed line delta, where a line delta of -128 means the
// instructions in that range have no line.
func Line310(tab []byte, firstLine int, addr int) int {
	if addr < 0 {
		return firstLine
	}
	line := firstLine
	start := 0
	for i := 0; i+1 < len(tab); i += 2 {
		end := start + int(tab[i])
		ld := int8(tab[i+1])
		has := ld != -128
		if has {
			line += int(ld)
		}
		if start <= addr && addr < end {
			if !has {
				return 0
			}
			return line
		}
		start = end
	}
	return 0
}

// LineLocations decodes the location table of 3.11 and later
// (Objects/locations.md): entries that each cover 1–8 code units, with a
// line delta in one of five encodings.
func LineLocations(tab []byte, firstLine int, addr int) int {
	if addr < 0 {
		return firstLine
	}
	unit := addr / 2
	line := firstLine
	pos := 0
	i := 0
	varint := func() (int, bool) {
		v, shift := 0, 0
		for i < len(tab) && shift < 32 {
			b := tab[i]
			i++
			v |= int(b&63) << shift
			if b&64 == 0 {
				return v, true
			}
			shift += 6
		}
		return 0, false
	}
	svarint := func() (int, bool) {
		v, ok := varint()
		if v&1 != 0 {
			return -(v >> 1), ok
		}
		return v >> 1, ok
	}
	for i < len(tab) {
		b := tab[i]
		if b&0x80 == 0 {
			return 0 // not at an entry's first byte: a garbled table
		}
		i++
		code := int(b>>3) & 15
		n := int(b&7) + 1
		delta, has := 0, true
		switch {
		case code == 15: // no location
			has = false
		case code == 14: // long form
			d, ok := svarint()
			if !ok {
				return 0
			}
			delta = d
			for k := 0; k < 3; k++ { // end line delta, column, end column
				if _, ok := varint(); !ok {
					return 0
				}
			}
		case code == 13: // no column
			d, ok := svarint()
			if !ok {
				return 0
			}
			delta = d
		case code >= 10: // one-line form: two column bytes
			delta = code - 10
			i += 2
		default: // short form: one column byte
			i++
		}
		line += delta
		if pos <= unit && unit < pos+n {
			if !has {
				return 0
			}
			return line
		}
		pos += n
	}
	return 0
}
