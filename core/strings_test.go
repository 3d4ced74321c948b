package core

import "testing"

func TestStringsAgainstRedis(t *testing.T) { diffTranscript(t, "strings.txt") }
