package query_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

// tbSetting maps settings with text columns as text.
type tbSetting struct {
	ID   int64  `db:"id"`
	Flag string `db:"flag"`
	Code string `db:"code"`
}

func (tbSetting) TableName() string { return "settings" }

// tbCounter maps the same table with Go types of the user's choosing: a
// bool and an int for the text and varchar columns.
type tbCounter struct {
	ID   int64 `db:"id"`
	Flag bool  `db:"flag"`
	Code int   `db:"code"`
}

func (tbCounter) TableName() string { return "settings" }

func settingIDs(t *testing.T, db *testdb.DB, q *query.Query[tbSetting]) []int64 {
	t.Helper()
	rows, err := q.OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

// A boolean or a number compared with, or written into, a text or varchar
// column is bound as its text form on both databases ("1", "0", "7").
func TestWhereAndInsertBindBooleansAndNumbersForTextColumns(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table settings (id {{pk}}, flag text not null, code varchar(20) not null)`)
		db.MustExec(t, `insert into settings (flag, code) values ('1', '7'), ('0', '8'), ('yes', 'x')`)

		assert.Equal(t, []int64{1}, settingIDs(t, db, query.From[tbSetting]().WhereOp("flag", "=", true)), "WhereOp")
		// Compared as text, as the column is: "8" and "x" sort after "7".
		// MySQL compares a string column with a number as numbers ("x" is
		// 0, "yes" is 0 = false): its own rule, documented in sqlt's
		// package documentation; strings compare as text there too.
		greater, notIn := []int64{2, 3}, []int64{3}
		if db.Name == "mysql" {
			greater, notIn = []int64{2}, nil
			assert.Equal(t, []int64{2, 3}, settingIDs(t, db, query.From[tbSetting]().WhereOp("code", ">", "7")), "WhereOp > a string")
		}
		assert.Equal(t, greater, settingIDs(t, db, query.From[tbSetting]().WhereOp("code", ">", 7)), "WhereOp >")
		assert.Equal(t, []int64{1, 2}, settingIDs(t, db, query.From[tbSetting]().WhereIn("code", 7, 8)), "WhereIn")
		assert.Equal(t, notIn, settingIDs(t, db, query.From[tbSetting]().WhereNotIn("flag", []bool{true, false})), "WhereNotIn")
		assert.Equal(t, []int64{2}, settingIDs(t, db, query.From[tbSetting]().Where(sq.Eq{"flag": false, "code": []int{8, 9}})), "sq.Eq")

		// Writes: the struct's Go types are the user's choice; its values
		// are written as their text form.
		c := tbCounter{Flag: true, Code: 42}
		require.NoError(t, query.From[tbCounter]().Insert(ctx, db, &c))
		got, err := query.From[tbSetting]().Find(ctx, db, c.ID)
		require.NoError(t, err)
		assert.Equal(t, tbSetting{ID: c.ID, Flag: "1", Code: "42"}, got)
	})
}
