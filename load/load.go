package load

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/relkit/relkit/internal/errtext"
	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/parentset"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// With eager-loads relations into parents (Sutando's with() and load()):
// each spec fills its destination field on every parent, with exactly one
// statement per relation per level, whatever the number of parents.
//
//	err := load.With(ctx, db, users, UserPosts, UserPhone)
//	err = load.With(ctx, db, &user, load.Nested(UserPosts, PostComments))
//
// A spec is a relation declared on P, or one made by [Nested], [Where] or
// [Columns]; P is inferred from the specs. Specs that share a prefix share
// its statements (a later spec's columns or constraint win over an earlier
// one's); two different relation values that fill the same field both run,
// and the later one's rows are kept. Loading a relation that is already
// loaded replaces it.
//
// To-many relations get a non-nil slice (empty when a parent has no
// rows), in the order the statement returns them; to-one relations get the
// row, else the relation's WithDefault value, else nil (or the zero value
// for a non-pointer field). Parents keep their order. Parent keys are
// deduplicated and sorted; NULL keys match nothing and are never sent, so a
// level whose keys are all NULL runs no statement. 0 and "" are keys like
// any other (as in Laravel, where they are legal keys). A relation whose parent struct has no destination field is an
// error (rel.ErrNoDestination), as is any malformed spec, before any
// statement runs. Nothing is written into the parents unless every
// statement succeeds. A morphTo (rel.MorphTo) runs one statement per
// target type present among the parents (see rel.MorphTo); relations of
// its targets are loaded per type with [Morph].
func With[P any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, specs ...Of[P]) error {
	chains := make([][]step, len(specs))
	for i, s := range specs {
		chains[i] = stepsOf(s)
	}
	roots, err := buildTree(reflect.TypeFor[P](), chains)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return run(ctx, ex, parents, reflect.TypeFor[P](), roots)
}

// run loads the forest roots into parents, a Parents value of struct type t.
func run(ctx context.Context, ex sqlt.Executor, parents any, t reflect.Type, roots []*node) error {
	ps, err := prepare(ctx, ex, parents, t, roots)
	if err != nil || ps.len() == 0 || len(roots) == 0 {
		return err
	}
	levels := make([]*level, 0, len(roots))
	for _, n := range roots {
		lv, err := fetch(ctx, ex, n, ps)
		if err != nil {
			return err
		}
		levels = append(levels, lv)
	}
	for _, lv := range levels {
		lv.assign()
	}
	var at []placed
	for _, lv := range levels {
		if lv.n.chaperoned() {
			if at == nil {
				at = everyParent(ps)
			}
			lv.adoptAll(at)
		}
	}
	return nil
}

// prepare checks a load of roots into parents (of struct type t) before
// any statement and returns the parents as a parentSet.
func prepare(ctx context.Context, ex sqlt.Executor, parents any, t reflect.Type, roots []*node) (parentSet, error) {
	if ex == nil {
		return parentSet{}, fmt.Errorf("load: nil executor: %w", sqlt.ErrNilValue)
	}
	if err := ctx.Err(); err != nil {
		return parentSet{}, fmt.Errorf("load: %w", err)
	}
	ps, err := setOf(parents, t)
	if err != nil {
		return parentSet{}, fmt.Errorf("load: %w", err)
	}
	return ps, ready(ex.Dialect(), roots)
}

// ready readies the nodes before any statement runs: it runs their
// constraints (node.parts), and refuses a load whose related table,
// columns or pivot aliases the database would truncate (names.Fit: a
// truncated result column would be read into no field, or under another
// pivot name), or whose per-parent limit the database cannot run
// (render.CheckPerParent).
func ready(d sqlt.Dialect, nodes []*node) error {
	for _, n := range nodes {
		if isMorph(n) {
			if err := ready(d, n.targets); err != nil {
				return err
			}
			continue
		}
		var pivot *relmeta.Meta
		if n.m.Kind == relmeta.KindBelongsToMany {
			pivot = n.m
		}
		if err := names.Fit(d, n.m.Related, pivot); err != nil {
			return fmt.Errorf("load %s: %w", n.path, err)
		}
		var err error
		if n.cons, err = n.parts(); err != nil {
			return err
		}
		if render.Limited(n.cons) {
			if err := render.CheckPerParent(d); err != nil {
				return fmt.Errorf("load %s: %w", n.path, err)
			}
		}
		if err := ready(d, n.children); err != nil {
			return err
		}
	}
	return nil
}

// PathError reports a string path that Paths cannot load: malformed
// (empty segment, stray characters), naming an unknown relation, or
// choosing a column the related model does not map. It wraps the cause,
// so errors.Is matches rel.ErrUnknownRelation, sqlt.ErrUnknownColumn or
// sqlt.ErrInvalidIdentifier.
type PathError struct {
	Path string
	Err  error
}

// Error describes the path and what is wrong with it.
func (e *PathError) Error() string {
	return fmt.Sprintf("load path %q: %v", errtext.Clip(e.Path), e.Err)
}

// Unwrap returns the cause.
func (e *PathError) Unwrap() error { return e.Err }

// Paths eager-loads relations named by strings, for includes chosen at run
// time (an API's ?include=author.contacts&include=publisher:id,name). Each
// path is a dotted chain of relation names resolved through the relation
// registry from the parents' type, optionally followed by ":" and a comma
// separated list of columns of the last relation's model:
//
//	err := load.Paths(ctx, db, books, "author.contacts", "publisher:id,name")
//
// parents is a []P, []*P, *[]P or *P. Every path is checked before any
// statement runs: an unknown name, an unmapped column or a malformed path
// gives a *PathError, and nothing from the string reaches SQL except
// declared relations and mapped columns. A path of more than
// [MaxPathDepth] relations is refused with [ErrTooDeep]. Loading then
// behaves as [With].
//
// Paths loads any relation declared on the way: to serve a client's
// ?include=, check the paths against an allow-list with [Allow] instead.
func Paths(ctx context.Context, ex sqlt.Executor, parents any, paths ...string) error {
	t, err := elemType(parents)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	roots, err := parsePaths(t, paths)
	if err != nil {
		return err
	}
	return run(ctx, ex, parents, t, roots)
}

func parsePaths(t reflect.Type, paths []string) ([]*node, error) {
	chains := make([][]step, len(paths))
	for i, p := range paths {
		relPart, _, _ := strings.Cut(p, ":")
		if n := strings.Count(relPart, ".") + 1; n > MaxPathDepth {
			return nil, &PathError{Path: p, Err: fmt.Errorf("%d relations, at most %d: %w", n, MaxPathDepth, ErrTooDeep)}
		}
		chain, err := parsePath(t, p)
		if err != nil {
			return nil, &PathError{Path: p, Err: err}
		}
		chains[i] = chain
	}
	roots, err := buildTree(t, chains)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return roots, nil
}

func parsePath(t reflect.Type, p string) ([]step, error) {
	relPart, colPart, hasCols := strings.Cut(p, ":")
	chain, err := resolve(t, strings.TrimSpace(relPart))
	if err != nil {
		return nil, err
	}
	if hasCols {
		cols := strings.Split(colPart, ",")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		last := &chain[len(chain)-1]
		if last.cols, err = bareColumns(last.m, cols); err != nil {
			return nil, err
		}
	}
	return chain, nil
}

// resolve resolves the relation path p ("a.b.c") from t into one step a
// relation, each reading every column.
func resolve(t reflect.Type, p string) ([]step, error) {
	parsed, err := rel.ParsePath(t, p)
	if err != nil {
		return nil, err
	}
	path := relmeta.PathOf(parsed)
	chain := make([]step, len(path))
	for i, m := range path {
		chain[i] = step{m: m}
	}
	return chain, nil
}

// Eager returns a query.Loader that loads specs into the rows a query
// reads, so that eager loading can be written on the query:
//
//	books, err := query.From[Book]().With(load.Eager(BookAuthor, BookPublisher)).Get(ctx, db)
func Eager[P any](specs ...Of[P]) query.Loader[P] {
	return eager[P]{specs: specs}
}

type eager[P any] struct{ specs []Of[P] }

// LoadInto implements query.Loader.
func (e eager[P]) LoadInto(ctx context.Context, ex sqlt.Executor, rows []P) error {
	return With(ctx, ex, rows, e.specs...)
}

// PathsLoader returns a query.Loader that loads string paths (see
// [Paths]) into the rows a query reads:
//
//	books, err := query.From[Book]().With(load.PathsLoader[Book](includes...)).Get(ctx, db)
//
// Paths are resolved each time the query runs; a bad path (or one deeper
// than [MaxPathDepth]) fails the query before the eager statements (the
// main statement has run). For paths from a client use [Allowed.Parse].
func PathsLoader[P any](paths ...string) query.Loader[P] {
	return pathsLoader[P]{paths: paths}
}

type pathsLoader[P any] struct{ paths []string }

// LoadInto implements query.Loader.
func (l pathsLoader[P]) LoadInto(ctx context.Context, ex sqlt.Executor, rows []P) error {
	roots, err := parsePaths(reflect.TypeFor[P](), l.paths)
	if err != nil {
		return err
	}
	return run(ctx, ex, rows, reflect.TypeFor[P](), roots)
}

// Refresh reloads model from the database by its primary key and loads
// specs on it afresh (Sutando's refresh() followed by load()). Its mapped
// columns and the destination fields of specs are replaced; other fields
// (relations not named) are left as they are. A model whose row is gone
// gives an error matching sqlt.ErrNotFound. Nothing is written into model
// unless every statement succeeds.
func Refresh[P any](ctx context.Context, ex sqlt.Executor, model *P, specs ...Of[P]) error {
	t := reflect.TypeFor[P]()
	chains := make([][]step, len(specs))
	for i, s := range specs {
		chains[i] = stepsOf(s)
	}
	roots, err := buildTree(t, chains)
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if model == nil {
		return fmt.Errorf("refresh %s: nil model: %w", t.Name(), sqlt.ErrNilValue)
	}
	pm, err := schema.ModelFor[P]()
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if pm.PK == nil {
		return fmt.Errorf("refresh %s: %w", t.Name(), sqlt.ErrNoPrimaryKey)
	}
	mv := reflect.ValueOf(model).Elem()
	id, ok, err := keys.Norm(pm.PK.Get(mv).Interface())
	if err != nil {
		return fmt.Errorf("refresh %s: %w", t.Name(), err)
	}
	if !ok || id == any(int64(0)) || id == any("") {
		return fmt.Errorf("refresh %s: the primary key %s is not set: %w", t.Name(), pm.PK.Column, sqlt.ErrNotFound)
	}
	if ex == nil {
		return fmt.Errorf("refresh %s: nil executor: %w", t.Name(), sqlt.ErrNilValue)
	}
	fresh, err := query.From[P]().Find(ctx, ex, id)
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if err := run(ctx, ex, &fresh, t, roots); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	fv := reflect.ValueOf(&fresh).Elem()
	for _, f := range pm.Fields {
		f.Set(mv).Set(f.Get(fv))
	}
	for _, n := range roots {
		for _, dest := range dests(n.m) {
			schema.FieldAt(mv, dest).Set(schema.FieldAt(fv, dest))
		}
	}
	return nil
}
