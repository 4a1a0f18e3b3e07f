//go:build !race

package app

var raceFlags []string
