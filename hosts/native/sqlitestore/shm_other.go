//go:build !(linux || darwin)

package sqlitestore

const walHdrSize = 48

type walHeader [walHdrSize / 4]uint32

// mapShm: elsewhere the store asks SQLite (data_version) every time.
func mapShm(string) []byte { return nil }

func unmapShm([]byte) {}

func readHeader([]byte) (walHeader, bool) { return walHeader{}, false }
