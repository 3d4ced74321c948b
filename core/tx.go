package core

// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
// https://redis.io/docs/interact/transactions/

type multiState struct {
	queue [][][]byte
	dirty bool // an error while queueing: EXEC answers EXECABORT
}

type watch struct {
	db    int
	key   string
	stamp uint64 // 0 when the key did not exist
}

func isMultiControl(name string) bool {
	switch name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}
