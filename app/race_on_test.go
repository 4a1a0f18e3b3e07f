//go:build race

package app

// raceFlags makes the test's own build of the binary reuse the race-built
// packages the test run already compiled (cgo packages take minutes).
var raceFlags = []string{"-race"}
