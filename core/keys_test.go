package core

import "testing"

func TestKeysAgainstRedis(t *testing.T) { diffTranscript(t, "keys.txt") }
