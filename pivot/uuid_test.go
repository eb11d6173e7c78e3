package pivot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type uuDesk struct {
	ID int64 `db:"id"`
}

func (uuDesk) TableName() string { return "uu_desks" }

type uuTicket struct {
	ID string `db:"id"`
}

func (uuTicket) TableName() string { return "uu_tickets" }

var uuDeskTickets = rel.BelongsToMany[uuDesk, uuTicket]("uu_desk_ticket", "desk_id", "ticket_id").WithPivot("n").Named("uu_desk_tickets")

// TestSyncComparesUUIDKeysInCanonicalForm: on PostgreSQL a uuid pivot key
// given in another spelling (upper case, braces, without hyphens, a hyphen
// after every four digits) is the attached key: Sync keeps its row (its
// pivot column n stays) and Changes report the stored canonical form; two
// spellings of one uuid are one key. Regression: Sync compared the given
// text with the stored canonical text, deleted the row and inserted it
// again (losing n). On SQLite the key column is text and compares as
// given, so another spelling is another key: attached, and the original
// detached.
func TestSyncComparesUUIDKeysInCanonicalForm(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		typ := "text"
		if db.Name == "postgres" {
			typ = "uuid"
		}
		canonical := db.Name == "postgres"
		const a, b = "7b7306ae-5a02-46fa-a84c-9538f45c7dd4", "8c0f1e2d-3b4a-4c5d-9e6f-7a8b9c0d1e2f"
		db.MustExec(t, `create table uu_desks (id bigint primary key)`, `insert into uu_desks (id) values (1)`, // MySQL locks the parent's row
			`create table uu_desk_ticket (desk_id bigint not null, ticket_id `+typ+` not null, n integer, primary key (desk_id, ticket_id))`)
		d := &uuDesk{ID: 1}
		rows := func() map[string]*int64 {
			t.Helper()
			type row struct {
				Ticket string `db:"ticket_id"`
				N      *int64 `db:"n"`
			}
			rs, err := db.Query(ctx, `select ticket_id, n from uu_desk_ticket where desk_id = 1`)
			require.NoError(t, err)
			all, err := sqlt.ScanAll[row](rs)
			require.NoError(t, err)
			out := map[string]*int64{}
			for _, r := range all {
				out[r.Ticket] = r.N
			}
			return out
		}
		n := func(v int64) *int64 { return &v }
		reset := func() {
			t.Helper()
			_, err := pivot.DetachAll(ctx, db, uuDeskTickets, d)
			require.NoError(t, err)
			require.NoError(t, pivot.Attach(ctx, db, uuDeskTickets, d, a, map[string]any{"n": 5}))
		}

		upper := strings.ToUpper(a)
		for _, spelling := range []string{upper, "{" + a + "}", strings.ReplaceAll(a, "-", ""), "7B73-06AE-5A02-46FA-A84C-9538-F45C-7DD4"} {
			reset()
			ch, err := pivot.Sync(ctx, db, uuDeskTickets, d, []string{spelling})
			require.NoError(t, err, spelling)
			if canonical {
				assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}, ch, spelling)
				assert.Equal(t, map[string]*int64{a: n(5)}, rows(), "%s: the row is kept", spelling)
			} else {
				assert.Equal(t, pivot.Changes{Attached: []any{spelling}, Detached: []any{a}, Updated: []any{}}, ch, spelling)
				assert.Equal(t, map[string]*int64{spelling: nil}, rows(), spelling)
			}
		}

		// Attributes for another spelling update the row; Updated holds
		// the stored form.
		reset()
		ch, err := pivot.Sync(ctx, db, uuDeskTickets, d, map[string]map[string]any{upper: {"n": 6}})
		require.NoError(t, err)
		if canonical {
			assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{a}}, ch)
			assert.Equal(t, map[string]*int64{a: n(6)}, rows())
		} else {
			assert.Equal(t, pivot.Changes{Attached: []any{upper}, Detached: []any{a}, Updated: []any{}}, ch)
			assert.Equal(t, map[string]*int64{upper: n(6)}, rows())
		}

		// A new key in two spellings is one key, attached once and
		// reported in the form the database stores.
		reset()
		ch, err = pivot.SyncWithoutDetaching(ctx, db, uuDeskTickets, d, []string{strings.ToUpper(b), "{" + b + "}", upper})
		if db.Name == "mysql" {
			// MySQL compares the varchar under its case-insensitive
			// collation: upper is the stored a to the primary key, while
			// relkit, comparing as given, attaches it (see Keys in the
			// package doc). The unique violation rolls the sync back.
			require.Error(t, err)
			assert.True(t, sqlt.IsUniqueViolation(err), "%v", err)
			assert.Equal(t, map[string]*int64{a: n(5)}, rows())
			return
		}
		require.NoError(t, err)
		if canonical {
			assert.Equal(t, pivot.Changes{Attached: []any{b}, Detached: []any{}, Updated: []any{}}, ch)
			assert.Equal(t, map[string]*int64{a: n(5), b: nil}, rows())
		} else {
			assert.Equal(t, pivot.Changes{Attached: []any{strings.ToUpper(b), "{" + b + "}", upper}, Detached: []any{}, Updated: []any{}}, ch)
			assert.Len(t, rows(), 4)
		}

		// Not a uuid spelling: PostgreSQL refuses it, nothing changes.
		if canonical {
			_, err = pivot.Sync(ctx, db, uuDeskTickets, d, []string{a[:35] + "-4"})
			require.Error(t, err)
			assert.Equal(t, map[string]*int64{a: n(5), b: nil}, rows())
		}
	})
}
