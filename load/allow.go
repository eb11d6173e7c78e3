package load

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// ErrNotAllowed is matched by the *PathError for a path, or a column of
// one, that an allow-list made by [Allow] does not permit.
var ErrNotAllowed = errors.New("relkit: path not allowed")

// ErrTooDeep is matched by the *PathError for a path given to [Paths] or
// [PathsLoader] that chains more than [MaxPathDepth] relations.
var ErrTooDeep = errors.New("relkit: path too deep")

// MaxPathDepth is the most relations a path given to [Paths] or
// [PathsLoader] may chain ("posts.comments.images.tags" is 4), so that a
// string from a client cannot walk the relation graph
// (author.posts.comments.post.author…). Deeper loads are written with
// [Nested], or listed in an allow-list ([Allow]), which has no limit but
// its own paths.
const MaxPathDepth = 4

// Allowed is an allow-list of the string paths clients may load on P: the
// way to serve an API's ?include=. Build it once, at initialisation, with
// [Allow]; it is immutable and safe for concurrent use. The zero value
// allows nothing.
type Allowed[P any] struct {
	nodes map[string]allowedNode // by dotted relation path: each listed path and its prefixes
	err   error                  // a malformed entry, returned by every call
}

// allowedNode is one relation path of an allow-list.
type allowedNode struct {
	listed bool     // named by an entry (not only a prefix of one)
	open   bool     // listed without a column list: any mapped column
	cols   []string // the columns its entries list, when none is open
}

// restricted returns the columns a node permits, or nil for any.
func (n allowedNode) restricted() []string {
	if n.listed && !n.open {
		return n.cols
	}
	return nil
}

// Allow returns the allow-list of the paths given, in the syntax of
// [Paths]:
//
//	var bookIncludes = load.Allow[Book]("author.contacts", "publisher:id,name")
//
// A client may then ask for a listed path or any prefix of one ("author",
// "author.contacts", "publisher"). A path listed with columns permits
// exactly those columns of its last relation: a client's "publisher" reads
// id and name, "publisher:name" only name, and "publisher:city" is
// refused. A path listed without columns (or only a prefix of a listed
// one, or listed both ways) permits any mapped column, as Paths does.
// Relation names are resolved through the registry when a client's path is
// loaded, so Allow may run before the relations are declared; a malformed
// entry makes every call of the allow-list fail.
func Allow[P any](paths ...string) Allowed[P] {
	a := Allowed[P]{nodes: map[string]allowedNode{}}
	for _, p := range paths {
		segs, cols, hasCols, err := splitPath(p)
		if err != nil {
			a.err = firstErr(a.err, fmt.Errorf("load allow: %w", &PathError{Path: p, Err: err}))
			continue
		}
		for i := range segs {
			key := strings.Join(segs[:i+1], ".")
			n := a.nodes[key]
			if i == len(segs)-1 {
				n.listed = true
				if hasCols {
					for _, c := range cols {
						n.cols = appendUnique(n.cols, c)
					}
				} else {
					n.open = true
				}
			}
			a.nodes[key] = n
		}
	}
	return a
}

// Parse checks a client's paths against the allow-list and returns a
// query.Loader that loads them, or the error of the first one that is
// malformed (wrapping sqlt.ErrInvalidIdentifier) or not permitted
// (wrapping [ErrNotAllowed]), as a *PathError naming the path. An
// unlisted path is refused before its names are looked up, so the error
// says nothing of the relations that exist. Paths are single includes
// (split a comma-separated ?include= yourself, or pass the repeated
// parameter's values).
//
//	loader, err := bookIncludes.Parse(r.URL.Query()["include"]...)
//	if err != nil {
//		// 400 Bad Request
//	}
//	books, err := query.From[Book]().With(loader).Get(ctx, db)
func (a Allowed[P]) Parse(paths ...string) (query.Loader[P], error) {
	t := reflect.TypeFor[P]()
	if a.err != nil {
		return nil, a.err
	}
	chains := make([][]step, len(paths))
	for i, p := range paths {
		chain, err := a.chain(t, p)
		if err != nil {
			return nil, &PathError{Path: p, Err: err}
		}
		chains[i] = chain
	}
	if _, err := buildTree(t, chains); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return allowedLoader[P]{chains: chains}, nil
}

// Load checks a client's paths against the allow-list, as [Allowed.Parse],
// and loads them into parents (a []P, []*P, *[]P or *P), as [Paths]. Every
// path is checked before any statement runs.
func (a Allowed[P]) Load(ctx context.Context, ex sqlt.Executor, parents any, paths ...string) error {
	l, err := a.Parse(paths...)
	if err != nil {
		return err
	}
	return l.(allowedLoader[P]).load(ctx, ex, parents)
}

// chain checks one client path and resolves it from t.
func (a Allowed[P]) chain(t reflect.Type, p string) ([]step, error) {
	segs, cols, hasCols, err := splitPath(p)
	if err != nil {
		return nil, err
	}
	key := strings.Join(segs, ".")
	if _, ok := a.nodes[key]; !ok {
		return nil, fmt.Errorf("not in the allow-list: %w", ErrNotAllowed)
	}
	chain, err := resolve(t, key)
	if err != nil {
		return nil, err
	}
	for i := range chain {
		// A level listed with columns reads only those, also on the way to
		// a deeper path.
		if allowed := a.nodes[strings.Join(segs[:i+1], ".")].restricted(); allowed != nil {
			if chain[i].cols, err = bareColumns(chain[i].m, allowed); err != nil {
				return nil, fmt.Errorf("allow-list: %w", err)
			}
		}
	}
	if hasCols {
		m := chain[len(chain)-1].m
		asked, err := bareColumns(m, cols)
		if err != nil {
			return nil, err
		}
		if allowed := chain[len(chain)-1].cols; allowed != nil {
			for _, c := range asked {
				if !slices.Contains(allowed, c) {
					return nil, fmt.Errorf("column %q of %s: %w", c, m.Name, ErrNotAllowed)
				}
			}
		}
		chain[len(chain)-1].cols = asked
	}
	return chain, nil
}

type allowedLoader[P any] struct{ chains [][]step }

// LoadInto implements query.Loader.
func (l allowedLoader[P]) LoadInto(ctx context.Context, ex sqlt.Executor, rows []P) error {
	return l.load(ctx, ex, rows)
}

func (l allowedLoader[P]) load(ctx context.Context, ex sqlt.Executor, parents any) error {
	t := reflect.TypeFor[P]()
	roots, err := buildTree(t, l.chains)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return run(ctx, ex, parents, t, roots)
}

// splitPath checks the syntax of a string path, "a.b.c" or "a.b:x,y",
// without resolving it: relation names and columns must be identifiers.
func splitPath(p string) (segs, cols []string, hasCols bool, err error) {
	relPart, colPart, hasCols := strings.Cut(p, ":")
	segs = strings.Split(strings.TrimSpace(relPart), ".")
	for _, s := range segs {
		if !sqltext.ValidIdentifier(s) {
			return nil, nil, false, &sqlt.InvalidIdentifierError{Ident: s}
		}
	}
	if hasCols {
		for _, c := range strings.Split(colPart, ",") {
			c = strings.TrimSpace(c)
			if !sqltext.ValidIdentifier(c) {
				return nil, nil, false, fmt.Errorf("columns: %w", &sqlt.InvalidIdentifierError{Ident: c})
			}
			cols = append(cols, c)
		}
	}
	return segs, cols, hasCols, nil
}

// bareColumns checks columns against the related model of m and returns
// their bare names, without duplicates.
func bareColumns(m *relmeta.Meta, columns []string) ([]string, error) {
	var out []string
	for _, c := range columns {
		bare, err := m.Related.CheckColumn(c)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", m.Name, err)
		}
		out = appendUnique(out, bare)
	}
	return out, nil
}
