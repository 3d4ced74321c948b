package core_test

import "testing"

// TestListsTranscript plays conformance/testdata/lists.txt against a real
// redis-server and the engine.
func TestListsTranscript(t *testing.T) {
	diffTranscript(t, "../conformance/testdata/lists.txt")
}
