package core

// Keyspace notifications (notify-keyspace-events). The classes, as Redis
// names them.
const (
	notifyGeneric = 'g'
	notifyString  = '$'
	notifyList    = 'l'
	notifySet     = 's'
	notifyHash    = 'h'
	notifyZSet    = 'z'
	notifyExpired = 'x'
	notifyEvicted = 'e'
	notifyNew     = 'n'
)

// notify records a keyspace event for key in the session's database.
func (c *Ctx) notify(class byte, event string, key []byte) {
	c.E.notifyDB(c.db(), class, event, key)
}

func (c *Ctx) notifyExpired(db uint32, key []byte) {
	c.E.notifyDB(db, notifyExpired, "expired", key)
}

// notifyDB is where keyspace events are published; they are delivered once
// pub/sub lands.
func (e *Engine) notifyDB(db uint32, class byte, event string, key []byte) {}
