package pivot_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type clReader struct {
	ID int64 `db:"id"`
}

func (clReader) TableName() string { return "cl_readers" }

type clLabel struct {
	ID string `db:"id"`
}

func (clLabel) TableName() string { return "cl_labels" }

var clReaderLabels = rel.BelongsToMany[clReader, clLabel]("cl_label_reader", "reader_id", "label_id").Named("cl_labels")

// TestStringKeysUnderTheColumnsCollation: relkit compares string keys as
// given, byte for byte, and the server compares them under the column's
// collation. On MySQL a varchar's default collation is case-insensitive,
// so 'ABC' and 'abc' are one key to the server: a Sync replacing one
// spelling by the other detaches, then attaches (as on SQLite and
// PostgreSQL), a SyncWithoutDetaching of the other spelling fails with
// the unique violation and changes nothing, and a Detach of the other
// spelling deletes the row. A binary collation (utf8mb4_bin) makes MySQL
// compare as the other databases do.
func TestStringKeysUnderTheColumnsCollation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		for _, binary := range []bool{false, true} {
			typ := "text"
			if binary && db.Name == "mysql" {
				typ = "varchar(64) collate utf8mb4_bin"
			}
			caseless := db.Name == "mysql" && !binary
			db.MustExec(t, `drop table if exists cl_label_reader`, `drop table if exists cl_readers`,
				`create table cl_readers (id bigint primary key)`, `insert into cl_readers (id) values (1)`,
				`create table cl_label_reader (reader_id bigint not null, label_id `+typ+` not null, primary key (reader_id, label_id))`)
			r := &clReader{ID: 1}
			labels := func() []string {
				t.Helper()
				rows, err := db.Query(ctx, `select label_id from cl_label_reader where reader_id = 1 order by label_id`)
				require.NoError(t, err)
				out, err := sqlt.ScanAll[string](rows)
				require.NoError(t, err)
				slices.Sort(out) // byte order, whatever the column's collation
				return out
			}
			require.NoError(t, pivot.Attach(ctx, db, clReaderLabels, r, "abc"))

			// Sync: the other spelling replaces the stored one, everywhere.
			ch, err := pivot.Sync(ctx, db, clReaderLabels, r, []string{"ABC"})
			require.NoError(t, err, "binary=%v", binary)
			assert.Equal(t, pivot.Changes{Attached: []any{"ABC"}, Detached: []any{"abc"}, Updated: []any{}}, ch, "binary=%v", binary)
			assert.Equal(t, []string{"ABC"}, labels(), "binary=%v", binary)

			// SyncWithoutDetaching of the other spelling.
			ch, err = pivot.SyncWithoutDetaching(ctx, db, clReaderLabels, r, []string{"abc"})
			if caseless {
				require.Error(t, err)
				assert.True(t, sqlt.IsUniqueViolation(err), "the server's unique key holds 'ABC': %v", err)
				assert.Equal(t, []string{"ABC"}, labels(), "nothing changed")
			} else {
				require.NoError(t, err, "binary=%v", binary)
				assert.Equal(t, pivot.Changes{Attached: []any{"abc"}, Detached: []any{}, Updated: []any{}}, ch)
				assert.Equal(t, []string{"ABC", "abc"}, labels())
				_, err = pivot.Detach(ctx, db, clReaderLabels, r, "abc")
				require.NoError(t, err)
			}

			// Detach of the other spelling: the server's comparison.
			n, err := pivot.Detach(ctx, db, clReaderLabels, r, "abc")
			require.NoError(t, err)
			if caseless {
				assert.EqualValues(t, 1, n, "'abc' is the stored 'ABC' to the server")
				assert.Empty(t, labels())
			} else {
				assert.EqualValues(t, 0, n, "binary=%v", binary)
				assert.Equal(t, []string{"ABC"}, labels())
			}
		}
	})
}

type clNote struct {
	ID int64 `db:"id"`
}

func (clNote) TableName() string { return "cl_notes" }

var clReaderNotes = rel.BelongsToMany[clReader, clNote]("cl_note_reader", "reader_id", "note_id").WithPivot("tag").Named("cl_notes")

// TestSyncComparesAttributesUnderTheColumnsCollation: whether a kept
// row's attributes differ is the database's comparison ("not (col <=> ?)"
// on MySQL), so on a case-insensitive varchar an attribute that differs
// only in case is equal: Sync neither writes it nor reports the key as
// updated, and UpdateExistingPivot writes it. Elsewhere (and under a
// binary collation) it is a change.
func TestSyncComparesAttributesUnderTheColumnsCollation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table cl_readers (id bigint primary key)`, `insert into cl_readers (id) values (1)`,
			`create table cl_note_reader (reader_id bigint not null, note_id bigint not null, tag text, primary key (reader_id, note_id))`)
		r := &clReader{ID: 1}
		tag := func() string {
			t.Helper()
			rows, err := db.Query(ctx, `select tag from cl_note_reader where reader_id = 1 and note_id = 1`)
			require.NoError(t, err)
			s, err := sqlt.ScanOne[string](rows)
			require.NoError(t, err)
			return s
		}
		require.NoError(t, pivot.Attach(ctx, db, clReaderNotes, r, 1, map[string]any{"tag": "abc"}))
		ch, err := pivot.SyncWithPivotValues(ctx, db, clReaderNotes, r, []int64{1}, map[string]any{"tag": "ABC"})
		require.NoError(t, err)
		if db.Name == "mysql" {
			assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}, ch)
			assert.Equal(t, "abc", tag(), "equal under the collation: not written")
			_, err = pivot.UpdateExistingPivot(ctx, db, clReaderNotes, r, 1, map[string]any{"tag": "ABC"})
			require.NoError(t, err)
		} else {
			assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{int64(1)}}, ch)
		}
		assert.Equal(t, "ABC", tag())
	})
}
