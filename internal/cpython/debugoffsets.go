package cpython

import (
	"encoding/binary"
	"fmt"
)

// DebugCookie opens the _Py_DebugOffsets table that CPython 3.13 and later
// keep at the start of _PyRuntime for out-of-process tools.
const DebugCookie = "xdebugpy"

// DebugOffsetsSize is how many bytes of _PyRuntime ParseDebugOffsets needs.
const DebugOffsetsSize = 73 * 8

// DebugOffsets is what the table says about the interpreter besides the
// offsets.
type DebugOffsets struct {
	Version      uint64 // PY_VERSION_HEX: 0x030D00F0 is 3.13.0 final
	FreeThreaded bool
}

// Minor returns "3.13" for the table's version.
func (d DebugOffsets) Minor() string {
	return fmt.Sprintf("%d.%d", d.Version>>24, (d.Version>>16)&0xff)
}

// Patch returns "3.13.0" for the table's version.
func (d DebugOffsets) Patch() string {
	return fmt.Sprintf("%d.%d.%d", d.Version>>24, (d.Version>>16)&0xff, (d.Version>>8)&0xff)
}

// ErrNoDebugOffsets says that b does not start with the cookie.
type ErrNoDebugOffsets struct{}

func (ErrNoDebugOffsets) Error() string { return "no _Py_DebugOffsets cookie at _PyRuntime" }

// ParseDebugOffsets reads the _Py_DebugOffsets table at the start of b, a
// copy of the target's _PyRuntime, into a Layout. The table's own shape
// is fixed within a minor version only; this reads the 3.13 shape, the
// only one whose source hpp was checked against, and refuses others.
func ParseDebugOffsets(b []byte) (*Layout, DebugOffsets, error) {
	var d DebugOffsets
	if len(b) < DebugOffsetsSize || string(b[:8]) != DebugCookie {
		return nil, d, ErrNoDebugOffsets{}
	}
	u := func(i int) int64 { return int64(binary.LittleEndian.Uint64(b[i*8:])) }
	d.Version = uint64(u(1))
	d.FreeThreaded = u(2) != 0
	if d.Minor() != "3.13" {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: hpp reads the table of 3.13 only", d.Patch())
	}
	// Sanity: the offsets must lie inside the structs whose sizes the table
	// gives, so a garbled table is refused rather than followed.
	inside := func(size int64, offs ...int64) bool {
		for _, o := range offs {
			if o < 0 || o >= size {
				return false
			}
		}
		return size > 0 && size < 1<<20
	}
	l := &Layout{
		Version:                 d.Patch(),
		RuntimeInterpretersHead: u(5),
		RuntimeTstateCurrent:    Absent,
		InterpNext:              u(8),
		InterpThreadsHead:       u(9),
		InterpCevalGIL:          u(14),
		GILLocked:               u(17) - u(15),
		GILLastHolder:           u(18) - u(15),
		TstateNext:              u(21),
		TstateInterp:            u(22),
		TstateFrame:             u(23),
		TstateCFrame:            Absent,
		TstateThreadID:          u(24),
		TstateNativeThreadID:    u(25),
		CFrameCurrentFrame:      Absent,
		FrameBack:               Absent,
		FrameCode:               Absent,
		FrameLasti:              Absent,
		IFramePrevious:          u(29),
		IFrameCode:              u(30),
		IFrameInstr:             u(31),
		IFrameOwner:             u(33),
		CodeFilename:            u(35),
		CodeName:                u(36),
		CodeQualname:            u(37),
		CodeLineTable:           u(38),
		CodeFirstLineno:         u(39),
		CodeCodeAdaptive:        u(43),
		ObjectType:              u(45),
		BytesSize:               u(65),
		BytesData:               u(66),
		UnicodeState:            u(68),
		UnicodeLength:           u(69),
		ASCIIObjectSize:         u(70),
		// Not in the table: a compact non-ASCII str's data follows
		// PyCompactUnicodeObject, which adds utf8_length and utf8 to
		// PyASCIIObject.
		CompactUnicodeObjectSize: u(70) + 16,
	}
	ok := inside(u(3), l.RuntimeInterpretersHead) &&
		inside(u(6), l.InterpNext, l.InterpThreadsHead, l.InterpCevalGIL, u(15), u(17), u(18)) &&
		l.GILLocked >= 0 && l.GILLastHolder >= 0 &&
		inside(u(19), l.TstateNext, l.TstateInterp, l.TstateFrame, l.TstateThreadID, l.TstateNativeThreadID) &&
		inside(u(28), l.IFramePrevious, l.IFrameCode, l.IFrameInstr, l.IFrameOwner) &&
		inside(u(34), l.CodeFilename, l.CodeName, l.CodeQualname, l.CodeLineTable, l.CodeFirstLineno) &&
		l.CodeCodeAdaptive > 0 && l.CodeCodeAdaptive <= u(34) && // the instructions end the struct
		inside(u(44), l.ObjectType) &&
		inside(u(64), l.BytesSize, l.BytesData) &&
		inside(u(67), l.UnicodeState, l.UnicodeLength)
	if !ok {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: offsets out of range (a garbled table)", d.Patch())
	}
	return l, d, nil
}
