// Package hppfile reads and writes hpp's own profile file: a whole
// profile.Profile (sampled stacks with their threads, processes and time
// mode, embedded source texts, and any call-graph numbers) plus what the
// recording knew of itself. docs/format.md describes every byte.
package hppfile

import (
	"bytes"
	"time"
)

// Magic opens every hpp profile file; the format's major and minor
// version bytes follow it.
const Magic = "HPPPROF\x00"

// The version this package writes. A reader accepts any minor version of
// its major (newer minors only add sections, which it skips) and refuses
// a newer major.
const (
	Major = 1
	Minor = 0
)

// Meta is what a recording knew about itself. Every field may be zero.
type Meta struct {
	HPPVersion string        // the hpp that wrote the file
	Python     string        // the target's Python version, "3.11.2"
	Command    string        // the target's command line
	Start      time.Time     // when sampling began
	Duration   time.Duration // how long it sampled
	Rate       float64       // the rate asked for, per second
	Achieved   float64       // sampling rounds per second achieved
	Torn       int64         // stacks dropped because they changed while read
}

// Is reports whether b starts like an hpp profile file.
func Is(b []byte) bool { return bytes.HasPrefix(b, []byte(Magic)) }

// Section tags. A section is its tag, its length and its bytes, so that a
// reader can skip sections it does not know (added by newer minors).
const (
	secMeta      = 1
	secStrings   = 2
	secFuncs     = 3
	secProcesses = 4
	secThreads   = 5
	secSampleSet = 6
	secStacks    = 7
	secSamples   = 8
	secFiles     = 9
	secGraph     = 10
)

// Meta keys.
const (
	keyHPP      = 1
	keyPython   = 2
	keyCommand  = 3
	keyStart    = 4 // Unix nanoseconds
	keyDuration = 5 // nanoseconds
	keyRate     = 6 // float64 bits
	keyAchieved = 7 // float64 bits
	keyTorn     = 8
)

// Sample flag bits.
const (
	flagGIL     = 1
	flagIdle    = 2
	flagGILWait = 4
)
