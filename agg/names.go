package agg

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/relkit/relkit/internal/byname"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Aggregates of relations given by name, as Sutando's withCount('comments')
// and withCount('comments as cc') take them. The name is resolved through
// the relation registry (rel.Find) when the aggregate is first used, not
// when it is made, so a package-level agg.CountOf[User]("posts") may be
// declared before the relation; rel.Check reports the names that do not
// resolve. These forms take no constraint (use WithCount and its siblings
// for one). The name is trusted: it may name any relation of P and read
// it under any alias. For names from a client (an API's ?with_count=) use
// an allow-list, [Allow].

// CountOf is [WithCount] on P's relation called name: "comments", or
// "comments as cc" to read the count under the alias cc. The "as" is
// case-insensitive and must be the middle of exactly three words. An
// unknown relation makes the query or load fail with an error matching
// rel.ErrUnknownRelation; a malformed name, query.ErrBadArgument.
func CountOf[P any](name string) Aggregate[P] { return aggByName[P](fnCount, name, "") }

// ExistsOf is [WithExists] on P's relation called name ("comments",
// "comments as has_comments"), as [CountOf].
func ExistsOf[P any](name string) Aggregate[P] { return aggByName[P](fnExists, name, "") }

// SumOf is [WithSum] on P's relation called name ("comments", "comments as
// total"), as [CountOf].
func SumOf[P any](name, column string) Aggregate[P] { return aggByName[P](fnSum, name, column) }

// MinOf is [WithMin] on P's relation called name, as [CountOf].
func MinOf[P any](name, column string) Aggregate[P] { return aggByName[P](fnMin, name, column) }

// MaxOf is [WithMax] on P's relation called name, as [CountOf].
func MaxOf[P any](name, column string) Aggregate[P] { return aggByName[P](fnMax, name, column) }

// AvgOf is [WithAvg] on P's relation called name, as [CountOf].
func AvgOf[P any](name, column string) Aggregate[P] { return aggByName[P](fnAvg, name, column) }

// byName is an aggregate of a relation given by name, built at first use:
// the relation is looked up each time until the lookup succeeds, and the
// spec built then is kept.
type byName struct {
	fn                   fn
	name                 string // as given, for errors
	parent               reflect.Type
	relation, alias, col string
	built                atomic.Pointer[spec]
}

func aggByName[P any](f fn, name, column string) Aggregate[P] {
	relation, alias, err := parseAggName(name)
	if err == nil && alias != "" && !sqltext.ValidIdentifier(alias) {
		err = &sqlt.InvalidIdentifierError{Ident: alias}
	}
	if err != nil {
		return failed[P](f, name, err)
	}
	b := &byName{fn: f, name: name, parent: reflect.TypeFor[P](), relation: relation, alias: alias, col: column}
	byname.Record(byname.Use{Parent: b.parent, Name: relation, What: fmt.Sprintf("agg %s %q", f, name)})
	return Aggregate[P]{by: b}
}

func (b *byName) spec() *spec {
	if s := b.built.Load(); s != nil {
		return s
	}
	r, err := rel.Lookup(b.parent, b.relation)
	if err != nil {
		return failedSpec(b.fn, b.name, err)
	}
	s := buildSpec[struct{}](b.fn, relmeta.Of(r), b.col, nil)
	if s.err == nil && b.alias != "" {
		s.alias = b.alias
	}
	if s.err != nil {
		return s
	}
	b.built.CompareAndSwap(nil, s)
	return b.built.Load()
}

// withAlias is b read under alias.
func (b *byName) withAlias(alias string) *byName {
	return &byName{fn: b.fn, name: b.name, parent: b.parent, relation: b.relation, alias: alias, col: b.col}
}

// failed is an aggregate given by name that fails with err when used.
func failed[P any](f fn, name string, err error) Aggregate[P] {
	return Aggregate[P]{s: failedSpec(f, name, err)}
}

func failedSpec(f fn, name string, err error) *spec {
	return &spec{fn: f, name: f.String() + " " + name, err: fmt.Errorf("with %s %q: %w", f, name, err)}
}

// parseAggName splits "relation" or "relation as alias" (Laravel's rule:
// three words, the middle one "as" in any case).
func parseAggName(name string) (relation, alias string, err error) {
	words := strings.Fields(name)
	switch {
	case len(words) == 1:
		return words[0], "", nil
	case len(words) == 3 && strings.EqualFold(words[1], "as"):
		return words[0], words[2], nil
	}
	return "", "", fmt.Errorf("want \"relation\" or \"relation as alias\": %w", query.ErrBadArgument)
}

// ErrNotAllowed is matched by the error of an aggregate asked of an
// allow-list ([Allow]) on a relation it does not list.
var ErrNotAllowed = errors.New("relkit: aggregate not allowed")

// ErrAliasNotAllowed is matched by the error of an aggregate asked of an
// allow-list ([Allow]) under an alias that is neither the aggregate's
// default alias nor listed for its relation.
var ErrAliasNotAllowed = errors.New("relkit: aggregate alias not allowed")

// Allowed is an allow-list of the aggregates clients may ask for by name:
// the way to serve an API's ?with_count=. Build it once, at
// initialisation, with [Allow]; it is immutable and safe for concurrent
// use. The zero value allows nothing.
type Allowed[P any] struct {
	aliases map[string][]string // by relation name: the aliases listed for it
	err     error               // a malformed entry, returned by every aggregate
}

// Allow returns the allow-list of the relations of P named, each
// "relation" or "relation as alias":
//
//	var postCounts = agg.Allow[Post]("comments", "tags", "comments as cc")
//
// Its CountOf, ExistsOf, SumOf, MinOf, MaxOf and AvgOf take a client's
// name as the functions of the same names do, and fail (before any
// statement) with [ErrNotAllowed] for a relation not listed, before its
// name is looked up. An alias from the client must be the aggregate's own
// field, its default alias ("comments as comments_count"), so that
// "comments as tags_count" cannot write the number of comments into the
// tags count; any other alias is refused with [ErrAliasNotAllowed] unless
// it is listed for that relation ("comments as cc" allows
// "comments as cc"). Relation names are resolved through the registry
// when an aggregate is made, so Allow may run before the relations are
// declared; a malformed entry makes every aggregate of the list fail.
func Allow[P any](names ...string) Allowed[P] {
	a := Allowed[P]{aliases: map[string][]string{}}
	for _, n := range names {
		relation, alias, err := parseAggName(n)
		if err == nil && !sqltext.ValidIdentifier(relation) {
			err = &sqlt.InvalidIdentifierError{Ident: relation}
		}
		if err == nil && alias != "" && !sqltext.ValidIdentifier(alias) {
			err = &sqlt.InvalidIdentifierError{Ident: alias}
		}
		if err != nil {
			if a.err == nil {
				a.err = fmt.Errorf("agg allow %q: %w", n, err)
			}
			continue
		}
		as := a.aliases[relation]
		if alias != "" {
			as = append(as, alias)
		}
		a.aliases[relation] = as
	}
	return a
}

// CountOf is [CountOf] on a name checked against the allow-list.
func (a Allowed[P]) CountOf(name string) Aggregate[P] { return a.byName(fnCount, name, "") }

// ExistsOf is [ExistsOf] on a name checked against the allow-list.
func (a Allowed[P]) ExistsOf(name string) Aggregate[P] { return a.byName(fnExists, name, "") }

// SumOf is [SumOf] on a name checked against the allow-list. column may
// be any mapped column of the related model.
func (a Allowed[P]) SumOf(name, column string) Aggregate[P] { return a.byName(fnSum, name, column) }

// MinOf is [MinOf] on a name checked against the allow-list, as SumOf.
func (a Allowed[P]) MinOf(name, column string) Aggregate[P] { return a.byName(fnMin, name, column) }

// MaxOf is [MaxOf] on a name checked against the allow-list, as SumOf.
func (a Allowed[P]) MaxOf(name, column string) Aggregate[P] { return a.byName(fnMax, name, column) }

// AvgOf is [AvgOf] on a name checked against the allow-list, as SumOf.
func (a Allowed[P]) AvgOf(name, column string) Aggregate[P] { return a.byName(fnAvg, name, column) }

func (a Allowed[P]) byName(f fn, name, column string) Aggregate[P] {
	if a.err != nil {
		return failed[P](f, name, a.err)
	}
	relation, alias, err := parseAggName(name)
	if err != nil {
		return failed[P](f, name, err)
	}
	listed, ok := a.aliases[relation]
	if !ok {
		return failed[P](f, name, fmt.Errorf("relation %q is not in the allow-list: %w", relation, ErrNotAllowed))
	}
	if own := defaultAlias(relation, f, column); alias != "" && alias != own && !slices.Contains(listed, alias) {
		return failed[P](f, name, fmt.Errorf("alias %q: want %q or one listed for %s: %w", alias, own, relation, ErrAliasNotAllowed))
	}
	return aggByName[P](f, name, column)
}
