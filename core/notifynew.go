package core

// The "new" keyspace event (class n), fired when a key is created, as
// Redis's dbAdd fires it. Redis overwrites a key in place (no event) when a
// command stores over an existing one, but RENAME, COPY and MOVE delete
// their destination and add it again (event). Folio's commands delete and
// put in both cases, so a put after a delete of the same key in the same
// command counts as an overwrite except for those three.

import "github.com/foliodb/folio/core/store"

func (e *Engine) notifyNewOn() bool {
	for i := 0; i < len(e.notifyFlags); i++ {
		if e.notifyFlags[i] == notifyNew {
			return true
		}
	}
	return false
}

// keyDeleted records that the command deleted key (for notifyIfNew).
func (c *Ctx) keyDeleted(db uint32, key []byte) {
	if !c.E.notifyNewOn() {
		return
	}
	if c.deleted == nil {
		c.deleted = map[string]bool{}
	}
	c.deleted[string(recordKey(nil, db, key))] = true
}

// notifyIfNew fires "new" when key does not exist (or has expired) before
// the command puts it.
func (c *Ctx) notifyIfNew(tx store.Tx, db uint32, key []byte) error {
	if !c.E.notifyNewOn() {
		return nil
	}
	rk := recordKey(nil, db, key)
	if c.deleted[string(rk)] {
		delete(c.deleted, string(rk))
		if c.Cmd == nil || (c.Cmd.Name != "rename" && c.Cmd.Name != "renamenx" && c.Cmd.Name != "copy" && c.Cmd.Name != "move") {
			return nil
		}
	} else {
		v, ok, err := tx.Get(rk)
		if err != nil {
			return err
		}
		if ok {
			if r, good := decodeRecord(v); !good || r.ExpireAt == 0 || r.ExpireAt > c.Now {
				return nil
			}
		}
	}
	c.E.notifyDB(c, db, notifyNew, "new", key)
	return nil
}
