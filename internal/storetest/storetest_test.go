package storetest_test

import (
	"testing"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/internal/storetest"
)

func TestMemstore(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New() })
}
