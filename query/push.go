package query

import (
	"context"
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Push saves model and the related models loaded into its destination
// fields for the relations given, recursively, in one transaction (Laravel's
// push): if any statement fails, nothing is written and the models are left
// as they were before the call.
//
// Each relation applies to every model of its parent type that Push
// reaches, so the relations name a tree or a graph to walk:
//
//	// the post, its comments, and each comment's images
//	err := query.Push(ctx, db, &post, PostComments, CommentImages)
//
// A relation must be declared on P or on a type that another relation given
// leads to; otherwise Push fails before running anything. For a model of
// type X, Push
//
//  1. saves the owners loaded through X's belongsTo relations first, then
//     sets X's foreign key to each owner's key;
//  2. saves X: an INSERT when its primary key is zero (the generated key is
//     stored back), else an UPDATE by primary key (an INSERT with that key
//     when no row has it); created_at/updated_at are maintained;
//  3. sets the foreign key of each child loaded through X's hasOne/hasMany
//     relations to X's key and pushes the child;
//  4. pushes the models loaded through X's belongsToMany relations. It
//     saves them but does not attach them: pivot rows are the job of
//     package pivot. It pushes the models loaded through X's
//     hasOneThrough/hasManyThrough relations as they are, their keys
//     untouched (they point at the through model).
//
// A child reached through a hasOne/hasMany relation gets its parent's key
// even when it also has an owner loaded through a belongsTo relation on the
// same column.
//
// Nil relations (a nil *C, a nil element of a []*C, or a zero C in a C
// field) are skipped. Every model is saved at most once: Push remembers the
// models it has reached (by address), so cycles such as a user whose posts
// point back at the user do not recurse, and a model reached twice is
// saved once. A plain struct has no dirty tracking, so every model reached
// is written.
func Push[P any](ctx context.Context, ex sqlt.Executor, model *P, rels ...rel.Relation) error {
	pm, err := schema.ModelFor[P]()
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	metas := make([]*relmeta.Meta, 0, len(rels))
	for i, r := range rels {
		if r == nil {
			return fmt.Errorf("push %s: relation %d is nil: %w", pm.Type.Name(), i, sqlt.ErrNilValue)
		}
		metas = append(metas, relmeta.Of(r))
	}
	return push(ctx, ex, pm, model, metas)
}

// PushPaths is [Push] with relations given as paths (from [rel.ChainOf] or
// [rel.ParsePath]), each starting at P: PushPaths(ctx, db, &user,
// path("posts.comments")) saves the user, its posts and their comments.
// Paths are merged, and each relation applies to every model of its parent
// type that is reached, as for Push.
func PushPaths[P any](ctx context.Context, ex sqlt.Executor, model *P, paths ...rel.Path) error {
	pm, err := schema.ModelFor[P]()
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	var metas []*relmeta.Meta
	for i, path := range paths {
		p := relmeta.PathOf(path)
		if len(p) == 0 {
			return fmt.Errorf("push %s: path %d is empty: %w", pm.Type.Name(), i, ErrBadArgument)
		}
		if p[0].Parent != nil && p[0].Parent.Type != pm.Type {
			return fmt.Errorf("push %s: path %s starts at %s: %w", pm.Type.Name(), path, p[0].Parent.Type.Name(), ErrBadArgument)
		}
		metas = append(metas, p...)
	}
	return push(ctx, ex, pm, model, metas)
}

func push[P any](ctx context.Context, ex sqlt.Executor, pm *schema.Model, model *P, metas []*relmeta.Meta) error {
	name := pm.Type.Name()
	if reflect.TypeFor[P]() != pm.Type {
		return fmt.Errorf("push %s: want a *%s, got a %T: %w (%w)", name, name, model, sqlt.ErrNotStruct, ErrBadArgument)
	}
	if model == nil {
		return fmt.Errorf("push %s: %w", name, sqlt.ErrNilValue)
	}
	if ex == nil {
		return fmt.Errorf("push %s: nil executor: %w", name, sqlt.ErrNilValue)
	}
	plan, err := pushPlan(pm, metas)
	if err != nil {
		return fmt.Errorf("push %s: %w", name, err)
	}
	p := &pusher{plan: plan, state: map[any]uint8{}}
	err = sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
		p.ctx, p.ex = ctx, tx
		return p.push(reflect.ValueOf(model).Elem(), pm, nil)
	})
	if err != nil {
		p.saved.restore()
		return fmt.Errorf("push %s: %w", name, err)
	}
	return nil
}

// pushPlan checks the relations and groups them by parent type. Every
// relation must be usable, have a destination field, and start at a type
// reachable from the root through the others.
func pushPlan(root *schema.Model, metas []*relmeta.Meta) (map[reflect.Type][]*relmeta.Meta, error) {
	plan := map[reflect.Type][]*relmeta.Meta{}
	seen := map[*relmeta.Meta]bool{}
	for _, m := range metas {
		if err := m.DestErr(); err != nil {
			return nil, err
		}
		if seen[m] {
			continue
		}
		seen[m] = true
		plan[m.Parent.Type] = append(plan[m.Parent.Type], m)
	}
	reach := map[reflect.Type]bool{root.Type: true}
	for grew := true; grew; {
		grew = false
		for t, ms := range plan {
			if !reach[t] {
				continue
			}
			for _, m := range ms {
				if !reach[m.Related.Type] {
					reach[m.Related.Type], grew = true, true
				}
			}
		}
	}
	for _, m := range metas {
		if !reach[m.Parent.Type] {
			return nil, fmt.Errorf("relation %s: no relation given leads from %s to %s: %w",
				m, root.Type.Name(), m.Parent.Type.Name(), ErrBadArgument)
		}
	}
	return plan, nil
}

const (
	pushing uint8 = iota + 1 // reached, not yet saved
	pushed                   // saved
)

// keyAssign is a foreign key to set on a model just before it is saved.
type keyAssign struct {
	field *schema.Field
	key   any
	// morph is the type column of a morphOne/morphMany relation, set to
	// class; nil for other relations.
	morph *schema.Field
	class string
}

type pusher struct {
	ctx   context.Context
	ex    sqlt.Executor
	plan  map[reflect.Type][]*relmeta.Meta
	state map[any]uint8 // *C of each model reached → pushing/pushed
	saved snapshots     // models as they were, to restore on failure
}

// push saves the addressable struct v of model m and the related models
// loaded into it, as Push describes; fk is the key its parent gives it.
func (p *pusher) push(v reflect.Value, m *schema.Model, fk *keyAssign) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	id := v.Addr().Interface()
	if p.state[id] != 0 {
		return nil
	}
	p.state[id] = pushing
	p.saved.keep(v)
	rels := p.plan[m.Type]
	for _, r := range rels {
		if r.Kind == relmeta.KindBelongsTo {
			if err := p.owner(v, r); err != nil {
				return err
			}
		}
	}
	if fk != nil {
		if err := keys.Set(fk.field.Set(v), fk.key); err != nil {
			return fmt.Errorf("%s.%s: %w", m.Type.Name(), fk.field.Column, err)
		}
		if fk.morph != nil {
			if err := schema.Assign(fk.morph.Set(v), fk.class); err != nil {
				return fmt.Errorf("%s.%s: %w", m.Type.Name(), fk.morph.Column, err)
			}
		}
	}
	if err := saveRow(p.ctx, p.ex, m, v); err != nil {
		return fmt.Errorf("save %s: %w", m.Table, err)
	}
	p.state[id] = pushed
	for _, r := range rels {
		switch r.Kind {
		case relmeta.KindHasOne, relmeta.KindHasMany:
			key, ok, err := r.ParentKeyOf(v)
			if err != nil {
				return fmt.Errorf("relation %s: %w", r, err)
			}
			if !ok {
				return fmt.Errorf("relation %s: %s.%s is NULL: %w", r, m.Type.Name(), r.LocalKey, rel.ErrUnsupportedKey)
			}
			f, _ := r.Related.Column(r.ForeignKey)
			mf, _ := r.Related.Column(r.MorphType) // nil unless polymorphic
			if r.ParentKeyText() {
				key = keys.Text(key) // a polymorphic id column of type text
			}
			if err := p.each(v, r, &keyAssign{field: f, key: key, morph: mf, class: r.MorphClass}); err != nil {
				return err
			}
		case relmeta.KindBelongsToMany, relmeta.KindHasOneThrough, relmeta.KindHasManyThrough:
			if err := p.each(v, r, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// owner pushes the owner loaded into v through belongsTo relation r and
// sets v's foreign key to the owner's key. An owner already reached whose
// key is still unset (it is being saved further up) leaves the key alone.
func (p *pusher) owner(v reflect.Value, r *relmeta.Meta) error {
	ov, ok := loaded(v.FieldByIndex(r.Dest), r.DestShape)
	if !ok {
		return nil
	}
	reached := p.state[ov.Addr().Interface()] != 0
	if err := p.push(ov, r.Related, nil); err != nil {
		return err
	}
	of, _ := r.Related.Column(r.OwnerKey)
	key, ok, err := keys.Norm(of.Get(ov).Interface())
	if err != nil {
		return fmt.Errorf("relation %s: %w", r, err)
	}
	if reached && (!ok || keys.IsZero(key)) {
		return nil
	}
	if !ok {
		return fmt.Errorf("relation %s: the owner's %s is NULL: %w", r, r.OwnerKey, rel.ErrUnsupportedKey)
	}
	f, _ := r.Parent.Column(r.ForeignKey)
	if err := keys.Set(f.Set(v), key); err != nil {
		return fmt.Errorf("relation %s: %w", r, err)
	}
	return nil
}

// each pushes every model loaded into v's destination for r.
func (p *pusher) each(v reflect.Value, r *relmeta.Meta, fk *keyAssign) error {
	dv := v.FieldByIndex(r.Dest)
	switch r.DestShape {
	case relmeta.DestSlice, relmeta.DestSlicePtr:
		for i := 0; i < dv.Len(); i++ {
			e := dv.Index(i)
			if r.DestShape == relmeta.DestSlicePtr {
				if e.IsNil() {
					continue
				}
				e = e.Elem()
			}
			if err := p.push(e, r.Related, fk); err != nil {
				return err
			}
		}
		return nil
	}
	cv, ok := loaded(dv, r.DestShape)
	if !ok {
		return nil
	}
	return p.push(cv, r.Related, fk)
}

// loaded returns the model held by a to-one destination field: the pointee
// of a non-nil *C, or a C that is not the zero value.
func loaded(dv reflect.Value, shape relmeta.DestShape) (reflect.Value, bool) {
	switch shape {
	case relmeta.DestPtr:
		if dv.IsNil() {
			return reflect.Value{}, false
		}
		return dv.Elem(), true
	case relmeta.DestValue:
		if dv.IsZero() {
			return reflect.Value{}, false
		}
		return dv, true
	}
	return reflect.Value{}, false
}

// saveRow inserts rv (an addressable struct of model m) when its primary
// key is zero and updates it otherwise, inserting it with its key when no
// row has that key: Query.Save without a relation scope.
func saveRow(ctx context.Context, ex sqlt.Executor, m *schema.Model, rv reflect.Value) error {
	if m.PK == nil {
		return fmt.Errorf("%s: %w", m.Type.Name(), sqlt.ErrNoPrimaryKey)
	}
	now := schema.Now()
	if !pkIsZero(m, rv) {
		n, err := updateRow(ctx, ex, m, rv, now)
		if err != nil {
			return err
		}
		if n > 0 {
			return touch.Owners(ctx, ex, m, []reflect.Value{rv}, now)
		}
	}
	stamp(m, rv, true, now)
	if err := insertRows(ctx, ex, m, []reflect.Value{rv}); err != nil {
		return err
	}
	return touch.Owners(ctx, ex, m, []reflect.Value{rv}, now)
}
