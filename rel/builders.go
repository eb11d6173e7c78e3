package rel

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// WithDefault returns a copy that yields a default C instead of nothing
// when no related row exists (no row, or a NULL key): the Null Object
// pattern. With no argument the default is the zero C; with one, a copy of
// it. The default carries the parent's key in its foreign key. See also
// WithDefaultFunc.
func (r HasOneRelation[P, C]) WithDefault(value ...C) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{defaultMeta[P, C](r.m, value, nil)}}
}

// WithDefaultFunc returns a copy whose default is built by fn for each
// parent without a related row. The result's foreign key is then set to
// the parent's key.
func (r HasOneRelation[P, C]) WithDefaultFunc(fn func(parent *P) C) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{defaultMeta[P, C](r.m, nil, fn)}}
}

// WithDefault returns a copy that yields a default C when the foreign key
// is NULL or no owner row exists (then no statement runs for a NULL key).
// With no argument the default is the zero C; with one, a copy of it.
func (r BelongsToRelation[P, C]) WithDefault(value ...C) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{defaultMeta[P, C](r.m, value, nil)}}
}

// WithDefaultFunc returns a copy whose default is built by fn for each
// parent without an owner.
func (r BelongsToRelation[P, C]) WithDefaultFunc(fn func(parent *P) C) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{defaultMeta[P, C](r.m, nil, fn)}}
}

func defaultMeta[P, C any](m *relmeta.Meta, values []C, fn func(*P) C) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		if len(values) > 1 {
			c.Invalid = fmt.Errorf("relation %s: WithDefault takes at most one value, got %d: %w", c.Name, len(values), ErrBadRelation)
			return
		}
		var tmpl C
		if len(values) == 1 {
			tmpl = values[0]
		}
		c.Default = func(parent reflect.Value) reflect.Value {
			out := new(C)
			if fn != nil {
				*out = fn(parent.Interface().(*P))
			} else {
				*out = tmpl
			}
			ov := reflect.ValueOf(out)
			if c.Kind == relmeta.KindHasOne {
				// The default already belongs to its parent (Laravel).
				if key, ok, err := c.ParentKeyOf(parent); err == nil && ok {
					f, _ := c.Related.Column(c.ForeignKey)
					_ = keys.Set(f.Set(ov.Elem()), key)
					setMorphType(c, ov.Elem())
				}
			}
			return ov
		}
	})
}

// Associate sets child's foreign key to owner's key and, if child has a
// destination field for the relation, stores owner there. It does not
// save: save the child afterwards. An owner not saved yet (a NULL or zero
// key) clears the foreign key as Dissociate does (Laravel copies the
// owner's null key) and is still stored; query.Push saves such an owner
// first and then sets the key.
func (r BelongsToRelation[P, C]) Associate(child *P, owner *C) error {
	if r.m.Invalid != nil {
		return r.m.Invalid
	}
	if child == nil || owner == nil {
		return fmt.Errorf("associate %s: %w", r.m.Name, sqlt.ErrNilValue)
	}
	of, _ := r.m.Related.Column(r.m.OwnerKey)
	key, ok, err := keys.Norm(of.Get(reflect.ValueOf(owner).Elem()).Interface())
	if err != nil {
		return fmt.Errorf("associate %s: %w", r.m.Name, err)
	}
	if !ok || keys.IsZero(key) {
		// An unsaved owner: the foreign key becomes NULL, as Laravel's
		// associate copies the owner's (null) key; query.Push saves the
		// owner and sets the key.
		key = nil
	}
	if err := r.AssociateKey(child, key); err != nil {
		return err
	}
	if r.m.Dest != nil {
		dv := reflect.ValueOf(child).Elem().FieldByIndex(r.m.Dest)
		switch r.m.DestShape {
		case relmeta.DestValue:
			dv.Set(reflect.ValueOf(owner).Elem())
		case relmeta.DestPtr:
			dv.Set(reflect.ValueOf(owner))
		}
	}
	return nil
}

// AssociateKey sets child's foreign key to key (an owner's key value) and
// clears the loaded owner, if any. It does not save.
func (r BelongsToRelation[P, C]) AssociateKey(child *P, key any) error {
	if r.m.Invalid != nil {
		return r.m.Invalid
	}
	if child == nil {
		return fmt.Errorf("associate %s: %w", r.m.Name, sqlt.ErrNilValue)
	}
	k, _, err := keys.Norm(key)
	if err != nil {
		return fmt.Errorf("associate %s: %w", r.m.Name, err)
	}
	cv := reflect.ValueOf(child).Elem()
	f, _ := r.m.Parent.Column(r.m.ForeignKey)
	if err := keys.Set(f.Set(cv), k); err != nil {
		return fmt.Errorf("associate %s: %w", r.m.Name, err)
	}
	if r.m.Dest != nil {
		dv := cv.FieldByIndex(r.m.Dest)
		dv.Set(reflect.Zero(dv.Type()))
	}
	return nil
}

// Dissociate clears child's foreign key (NULL for a pointer or sql.Null*
// field, the zero value otherwise) and the loaded owner. It does not save.
func (r BelongsToRelation[P, C]) Dissociate(child *P) error {
	return r.AssociateKey(child, nil)
}

func pivotMeta(m *relmeta.Meta, f func(c *relmeta.Meta) error) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		if err := f(c); err != nil {
			c.Invalid = fmt.Errorf("relation %s: %w", c.Name, err)
		}
	})
}

func checkIdents(cols ...string) error {
	for _, c := range cols {
		if err := sqltext.CheckIdentifier(c); err != nil {
			return err
		}
	}
	return nil
}

// WithPivot returns a copy that also reads (and lets attach write) the
// given pivot columns into the related model's pivot field.
func (r BelongsToManyRelation[P, C]) WithPivot(columns ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(c *relmeta.Meta) error {
		if err := checkIdents(columns...); err != nil {
			return err
		}
		for _, col := range columns {
			if !containsStr(c.PivotColumns, col) && col != c.ForeignPivotKey && col != c.RelatedPivotKey {
				c.PivotColumns = append(c.PivotColumns, col)
			}
		}
		return nil
	})}}
}

// WithTimestamps returns a copy that maintains created_at and updated_at
// on pivot rows (or the two columns given) and reads them back.
func (r BelongsToManyRelation[P, C]) WithTimestamps(columns ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(c *relmeta.Meta) error {
		switch len(columns) {
		case 0:
		case 2:
			if err := checkIdents(columns...); err != nil {
				return err
			}
			c.CreatedAtColumn, c.UpdatedAtColumn = columns[0], columns[1]
		default:
			return fmt.Errorf("WithTimestamps takes no columns or two (created, updated): %w", ErrBadRelation)
		}
		c.Timestamps = true
		for _, col := range []string{c.CreatedAtColumn, c.UpdatedAtColumn} {
			if !containsStr(c.PivotColumns, col) {
				c.PivotColumns = append(c.PivotColumns, col)
			}
		}
		return nil
	})}}
}

// As returns a copy whose pivot data goes into the related model's field
// named name in snake_case ("subscription" → field Subscription).
func (r BelongsToManyRelation[P, C]) As(name string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(c *relmeta.Meta) error {
		if !sqltext.ValidIdentifier(name) {
			return &sqlt.InvalidIdentifierError{Ident: name}
		}
		c.PivotAs = schema.Snake(name)
		resolvePivotDest(c)
		if c.PivotDest == nil {
			return fmt.Errorf("As(%q): %s has no field named %s: %w", name, c.Related.Type.Name(), camel(c.PivotAs), ErrNoDestination)
		}
		return nil
	})}}
}

// WithPivotValue returns a copy that filters on pivot column = value and
// writes that value on attach (Laravel's withPivotValue).
func (r BelongsToManyRelation[P, C]) WithPivotValue(column string, value any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(c *relmeta.Meta) error {
		if err := checkIdents(column); err != nil {
			return err
		}
		c.PivotValues = append(c.PivotValues, relmeta.PivotValue{Column: column, Value: value})
		c.PivotWheres = append(c.PivotWheres, relmeta.PivotWhere{Column: column, Op: "=", Values: []any{value}})
		return nil
	})}}
}

var pivotOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "like": true, "not like": true}

func addPivotWhere(r *relmeta.Meta, or bool, column, op string, values ...any) *relmeta.Meta {
	return pivotMeta(r, func(c *relmeta.Meta) error {
		if err := checkIdents(column); err != nil {
			return err
		}
		c.PivotWheres = append(c.PivotWheres, relmeta.PivotWhere{Or: or, Column: column, Op: op, Values: values})
		return nil
	})
}

func opValue(args []any) (string, any, error) {
	switch len(args) {
	case 1:
		return "=", args[0], nil
	case 2:
		op, ok := args[0].(string)
		op = strings.ToLower(strings.TrimSpace(op))
		if !ok || !pivotOps[op] {
			return "", nil, fmt.Errorf("WherePivot operator %v: %w", args[0], ErrBadRelation)
		}
		return op, args[1], nil
	}
	return "", nil, fmt.Errorf("WherePivot takes (column, value) or (column, operator, value): %w", ErrBadRelation)
}

// WherePivot returns a copy filtered on a pivot column: WherePivot("active",
// 1) or WherePivot("priority", ">", 2). Pivot filters apply to reading and
// to the rows that detach, sync and updateExistingPivot touch.
func (r BelongsToManyRelation[P, C]) WherePivot(column string, args ...any) BelongsToManyRelation[P, C] {
	return r.wherePivot(false, column, args)
}

// OrWherePivot is WherePivot joined with OR to the previous pivot filter.
func (r BelongsToManyRelation[P, C]) OrWherePivot(column string, args ...any) BelongsToManyRelation[P, C] {
	return r.wherePivot(true, column, args)
}

func (r BelongsToManyRelation[P, C]) wherePivot(or bool, column string, args []any) BelongsToManyRelation[P, C] {
	op, v, err := opValue(args)
	if err != nil {
		return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(*relmeta.Meta) error { return err })}}
	}
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, or, column, op, v)}}
}

// WherePivotIn filters on pivot column in values (a slice or several values).
func (r BelongsToManyRelation[P, C]) WherePivotIn(column string, values ...any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "in", sqltext.ListValues(values)...)}}
}

// WherePivotNotIn filters on pivot column not in values.
func (r BelongsToManyRelation[P, C]) WherePivotNotIn(column string, values ...any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "not in", sqltext.ListValues(values)...)}}
}

// WherePivotBetween filters on pivot column between low and high.
func (r BelongsToManyRelation[P, C]) WherePivotBetween(column string, low, high any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "between", low, high)}}
}

// WherePivotNotBetween filters on pivot column not between low and high.
func (r BelongsToManyRelation[P, C]) WherePivotNotBetween(column string, low, high any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "not between", low, high)}}
}

// WherePivotNull filters on pivot column is null.
func (r BelongsToManyRelation[P, C]) WherePivotNull(column string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "null")}}
}

// WherePivotNotNull filters on pivot column is not null.
func (r BelongsToManyRelation[P, C]) WherePivotNotNull(column string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, false, column, "not null")}}
}

// OrderByPivot orders related rows by a pivot column; direction is "asc"
// (default) or "desc".
func (r BelongsToManyRelation[P, C]) OrderByPivot(column string, direction ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{pivotMeta(r.m, func(c *relmeta.Meta) error {
		if err := checkIdents(column); err != nil {
			return err
		}
		desc := false
		if len(direction) > 0 {
			switch strings.ToLower(direction[0]) {
			case "asc":
			case "desc":
				desc = true
			default:
				return fmt.Errorf("OrderByPivot direction %q: %w", direction[0], ErrBadRelation)
			}
		}
		c.PivotOrders = append(c.PivotOrders, relmeta.PivotOrder{Column: column, Desc: desc})
		return nil
	})}}
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
