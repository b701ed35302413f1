package pstats

// ReadStream is readStream for the tests of package pstats_test.
var ReadStream = readStream
