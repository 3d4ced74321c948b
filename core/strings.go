package core

// String commands.
// https://redis.io/commands/?group=string

func init() {
	register(map[string]Handler{
		"get": cmdGet,
		"set": cmdSet,
	})
}

// cmdGet returns the string value of a key.
// GET key
// https://redis.io/commands/get
func cmdGet(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeString)
	if err == errWrongType {
		c.W.Error(msgWrongType)
		return nil
	}
	if err != nil {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	c.W.Bulk(r.Value)
	return nil
}

// cmdSet sets the string value of a key.
// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
// https://redis.io/commands/set
func cmdSet(c *Ctx) error {
	key, val := c.Args[1], c.Args[2]
	prev, existed, err := c.lookup(key)
	if err != nil {
		return err
	}
	r := Record{Type: TypeString, Value: val}
	var pp *Record
	if existed {
		if prev.Type != TypeString {
			if err := c.deleteKey(key, prev); err != nil {
				return err
			}
		} else {
			pp = &prev
		}
	}
	if err := c.put(key, &r, pp); err != nil {
		return err
	}
	c.notify(notifyString, "set", key)
	c.W.OK()
	return nil
}
