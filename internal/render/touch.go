package render

import (
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Owners are rows on the parent side of a relation, whose related rows a
// touch updates: the rows whose relation key (the relation's
// ParentKeyColumn) is one of a list of bound keys (the rows a write has
// just written), or the rows of the parent's table that a condition
// selects (the rows the previous hop of a transitive touch updated).
type Owners struct {
	d     sqlt.Dialect
	keys  []any
	where string
	args  []any
}

// OwnerKeys are the rows whose relation keys are ks (bound, distinct, not
// NULL); d renders a list of several keys.
func OwnerKeys(d sqlt.Dialect, ks []any) Owners { return Owners{d: d, keys: ks} }

// test renders "col passes the owners' keys" for col, a column holding
// values of m's ParentKeyColumn: = ?, the dialect's key list, or an IN
// subquery on the parent table.
func (o Owners) test(m *relmeta.Meta, col string) (string, []any) {
	switch {
	case o.where != "" && textMorphID(m):
		// A morphTo's target, its text id column against the target's
		// key: cast("posts"."id" as text) in (select …). PostgreSQL has no
		// text = bigint, nor uuid = varchar, operator.
		return TextCast(col) + " in (select " + sqltext.Qualified(m.Parent.Table, m.ParentKeyColumn()) + " from " + sqltext.Ident(m.Parent.Table) + " where " + o.where + ")", o.args
	case o.where != "":
		return col + " in (select " + sqltext.Qualified(m.Parent.Table, m.ParentKeyColumn()) + " from " + sqltext.Ident(m.Parent.Table) + " where " + o.where + ")", o.args
	case len(o.keys) == 1:
		return col + " = ?", o.keys
	}
	return o.d.KeyList(col, o.keys)
}

// textMorphID reports whether m is a morphTo's target whose id column
// holds text.
func textMorphID(m *relmeta.Meta) bool {
	if !m.MorphTargetKind() {
		return false
	}
	f, ok := m.Parent.Column(m.ForeignKey)
	return m.IDText || ok && keys.ClassOf(f.Type) == keys.String
}

// MorphOwners narrows rows (rows of the morphTo r's parent table that a
// condition selects, the rows the previous hop updated) to those whose
// type column holds the alias of r's target t, as the Owners of t's
// touch:
//
//	update "posts" set "updated_at" = ? where "posts"."id" in
//	  (select "images"."imageable_id" from "images" where (…) and "images"."imageable_type" = ?)
func MorphOwners(rows Owners, r, t *relmeta.Meta) Owners {
	where := "(" + rows.where + ") and " + sqltext.Qualified(r.Parent.Table, r.MorphType) + " = ?"
	return Owners{d: rows.d, where: where, args: append(append([]any(nil), rows.args...), t.MorphClass)}
}

// Touch renders the UPDATE setting column (the related model's
// updated_at) to at on the rows of relation m (belongsTo, hasOne,
// hasMany, belongsToMany) related to the owners, in one statement, and
// returns the related rows it updates as Owners of the next hop:
//
//	update "posts" set "updated_at" = ? where "posts"."id" = ?
//	update "comments" set "updated_at" = ? where "comments"."post_id" = ?
//	update "roles" set "updated_at" = ? where "roles"."id" in
//	  (select "role_user"."role_id" from "role_user" where "role_user"."user_id" = ? [and (filters)])
//	update "users" set "updated_at" = ? where "users"."id" in
//	  (select "posts"."user_id" from "posts" where "posts"."id" = ?)   -- a second hop
//
// The relation's conditions apply (Laravel's touch runs on the relation
// query): a morphOne/morphMany's type condition and its Where
// constraints, except on belongsToMany, whose touch selects the
// related keys through the pivot rows and its pivot filters only. A
// one-of-many relation updates the chosen rows only: its primary key in
// the relation's read (Level) of their keys.
func Touch(m *relmeta.Meta, column string, at time.Time, from Owners) (string, []any, Owners, error) {
	var conds And
	switch m.Kind {
	case relmeta.KindBelongsToMany:
		s, args := from.test(m, m.PivotColumn(m.ForeignPivotKey))
		s = sqltext.Qualified(m.Related.Table, m.RelatedKey) + " in (select " + m.PivotColumn(m.RelatedPivotKey) +
			" from " + sqltext.Ident(m.PivotTable) + " where " + s
		if flt := PivotFilter(m); flt != nil {
			fs, fargs, err := flt.ToSql()
			if err != nil {
				return "", nil, Owners{}, fmt.Errorf("pivot filter: %w", err)
			}
			s += " and " + fs
			args = append(append([]any(nil), args...), fargs...)
		}
		conds = And{sq.Expr(s+")", args...)}
	case relmeta.KindBelongsTo, relmeta.KindHasOne, relmeta.KindHasMany:
		s, args := from.test(m, sqltext.Qualified(m.Related.Table, m.RelatedKeyColumn()))
		if m.OfMany != nil {
			// The chosen rows only: their keys, as the relation reads them.
			pk := sqltext.Qualified(m.Related.Table, m.Related.PK.Column)
			lv := Level(m, false, sq.Expr(s, args...))
			lv.Columns = []string{pk}
			sub, sargs, err := lv.ToSql()
			if err != nil {
				return "", nil, Owners{}, err
			}
			conds = And{sq.Expr(pk+" in ("+sub+")", sargs...)}
			break
		}
		conds = append(And{sq.Expr(s, args...)}, Conds(m, m.Related.Table)...)
	default:
		return "", nil, Owners{}, fmt.Errorf("touch %s: %w", m.Kind, ErrUnsupported)
	}
	where, wargs, err := conds.ToSql()
	if err != nil {
		return "", nil, Owners{}, err
	}
	q := "update " + sqltext.Ident(m.Related.Table) + " set " + sqltext.Ident(column) + " = ? where " + where
	return q, append([]any{at}, wargs...), Owners{d: from.d, where: where, args: wargs}, nil
}

// TouchRows renders the UPDATE setting column (model's updated_at) to at
// on model's rows whose col is one of ks (bound keys), and returns those
// rows as Owners:
//
//	update "users" set "updated_at" = ? where "users"."id" = ?
func TouchRows(d sqlt.Dialect, model *schema.Model, col, column string, at time.Time, ks []any) (string, []any, Owners) {
	var where string
	var args []any
	qcol := sqltext.Qualified(model.Table, col)
	if len(ks) == 1 {
		where, args = qcol+" = ?", ks
	} else {
		where, args = d.KeyList(qcol, ks)
	}
	q := "update " + sqltext.Ident(model.Table) + " set " + sqltext.Ident(column) + " = ? where " + where
	return q, append([]any{at}, args...), Owners{d: d, where: where, args: args}
}
