package render

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	sq "github.com/Masterminds/squirrel"
	"github.com/mattn/go-sqlite3"

	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// ErrUnsupported is query.ErrUnsupported, defined here so that the
// renderer's errors match it.
var ErrUnsupported = errors.New("relkit: unsupported operation")

// RowColumn is the result column of a per-parent window's row number
// (see PerParent): read and dropped, never scanned into a field.
const RowColumn = "relkit_row"

// windowTable is the alias of PerParent's derived table.
const windowTable = "relkit_table"

// PerParent is s limited per parent rather than as a whole: when s has a
// Limit or an Offset, each value of the partition column (the qualified
// column holding the parent's key: "posts"."user_id", the pivot's
// "role_user"."user_id", a through relation's "users"."country_id") keeps
// its rows numbered offset+1 … offset+limit in s's order, the ties broken
// by tiebreak (the related primary key, ascending; "" for none), which
// alone orders the rows when s has no order:
//
//	select * from (select …, row_number() over (partition by "posts"."user_id"
//	  order by "votes" desc, "posts"."id") as "relkit_row" from "posts" where …) as "relkit_table"
//	where "relkit_row" <= 3 and "relkit_row" > 1 order by "relkit_row"
//
// s's order moves into the window (its arguments with it); the rows come
// back by row number, so each parent's rows keep s's order. The result
// has the extra column RowColumn. Without a Limit or an Offset it is s.
func PerParent(s Select, partition, tiebreak string) sq.Sqlizer {
	if s.Limit == nil && s.Offset == nil {
		return &s
	}
	w := window{limit: s.Limit, offset: s.Offset}
	win := rowNumber{partition: partition, order: s.OrderBy, tiebreak: tiebreak}
	s.Limit, s.Offset, s.OrderBy = nil, nil, nil
	s.Exprs = append(s.Exprs[:len(s.Exprs):len(s.Exprs)], win)
	w.inner = s
	return w
}

// Limited reports whether s has a Limit or an Offset, which PerParent
// applies to each parent.
func Limited(s *Select) bool { return s != nil && (s.Limit != nil || s.Offset != nil) }

// rowNumber is the window select item of PerParent.
type rowNumber struct {
	partition string
	order     []sq.Sqlizer
	tiebreak  string
}

func (r rowNumber) ToSql() (string, []any, error) {
	var b strings.Builder
	var args []any
	b.WriteString("row_number() over (partition by ")
	b.WriteString(r.partition)
	order := r.order
	if r.tiebreak != "" {
		order = append(slices.Clip(order), sq.Expr(r.tiebreak))
	}
	if err := writeOrderBy(&b, &args, order); err != nil {
		return "", nil, err
	}
	b.WriteString(") as ")
	b.WriteString(sqltext.Ident(RowColumn))
	return b.String(), args, nil
}

// window is the statement of PerParent.
type window struct {
	inner         Select
	limit, offset *uint64
}

func (w window) ToSql() (string, []any, error) {
	in, args, err := w.inner.ToSql()
	if err != nil {
		return "", nil, err
	}
	row := sqltext.Ident(RowColumn)
	var b strings.Builder
	b.Grow(len(in) + 128)
	b.WriteString("select * from (")
	b.WriteString(in)
	b.WriteString(") as ")
	b.WriteString(sqltext.Ident(windowTable))
	var off uint64
	if w.offset != nil {
		off = *w.offset
	}
	var conds []string
	if w.limit != nil && *w.limit <= math.MaxInt64-off { // beyond: no upper bound
		conds = append(conds, row+" <= "+strconv.FormatUint(*w.limit+off, 10))
	}
	if off > 0 {
		conds = append(conds, row+" > "+strconv.FormatUint(off, 10))
	}
	if len(conds) > 0 {
		b.WriteString(" where ")
		b.WriteString(strings.Join(conds, " and "))
	}
	b.WriteString(" order by ")
	b.WriteString(row)
	return b.String(), args, nil
}

// minSQLiteWindows is the first SQLite version with window functions
// (3.25.0), as sqlite3_libversion_number gives it.
const minSQLiteWindows = 3025000

// sqliteVersion is the version of the SQLite library linked into the
// program (go-sqlite3's, the driver sqlt.Open uses), read once: it is a
// property of the binary, the same for every handle, so no statement is
// needed per handle. A test replaces it.
var sqliteVersion = sync.OnceValues(func() (string, int) {
	v, n, _ := sqlite3.Version()
	return v, n
})

// CheckPerParent returns an error matching ErrUnsupported when the
// database of dialect d cannot run PerParent's window: SQLite before
// 3.25 (a go-sqlite3 built against an old system library; the bundled
// one is newer). The limit is never dropped silently. A handle over
// another database/sql SQLite driver (sqlt.FromDB) is taken to be recent.
func CheckPerParent(d sqlt.Dialect) error {
	if d.Name() != "sqlite" {
		return nil
	}
	if v, n := sqliteVersion(); n < minSQLiteWindows {
		return fmt.Errorf("a per-parent limit needs window functions, SQLite 3.25 or later; linked: SQLite %s: %w", v, ErrUnsupported)
	}
	return nil
}
