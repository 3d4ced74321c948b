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
	c.E.notifyDB(c, c.db(), class, event, key)
}

func (c *Ctx) notifyExpired(db uint32, key []byte) {
	c.E.notifyDB(c, db, notifyExpired, "expired", key)
}
