package agg

import (
	"fmt"
	"strings"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// Aggregates of relations given by name, as Sutando's withCount('comments')
// and withCount('comments as cc') take them. The name is resolved through
// the relation registry (rel.Find) when the aggregate is made; these forms
// take no constraint (use WithCount and its siblings for one).

// CountOf is [WithCount] on P's relation called name: "comments", or
// "comments as cc" to read the count under the alias cc. The "as" is
// case-insensitive and must be the middle of exactly three words. An
// unknown relation makes the query or load fail with an error matching
// rel.ErrUnknownRelation; a malformed name, query.ErrBadArgument.
func CountOf[P any](name string) Aggregate[P] { return byName[P](fnCount, name, "") }

// ExistsOf is [WithExists] on P's relation called name ("comments",
// "comments as has_comments"), as [CountOf].
func ExistsOf[P any](name string) Aggregate[P] { return byName[P](fnExists, name, "") }

// SumOf is [WithSum] on P's relation called name ("comments", "comments as
// total"), as [CountOf].
func SumOf[P any](name, column string) Aggregate[P] { return byName[P](fnSum, name, column) }

// MinOf is [WithMin] on P's relation called name, as [CountOf].
func MinOf[P any](name, column string) Aggregate[P] { return byName[P](fnMin, name, column) }

// MaxOf is [WithMax] on P's relation called name, as [CountOf].
func MaxOf[P any](name, column string) Aggregate[P] { return byName[P](fnMax, name, column) }

// AvgOf is [WithAvg] on P's relation called name, as [CountOf].
func AvgOf[P any](name, column string) Aggregate[P] { return byName[P](fnAvg, name, column) }

// named adapts a relation found by name to the typed form build takes;
// without a constraint the related type is not needed.
type named[P any] struct{ rel.Of[P] }

func (named[P]) Default(*P) (struct{}, bool) { return struct{}{}, false }

func byName[P any](f fn, name, column string) Aggregate[P] {
	fail := func(err error) Aggregate[P] {
		return Aggregate[P]{&spec{fn: f, name: f.String() + " " + name, err: fmt.Errorf("with %s %q: %w", f, name, err)}}
	}
	relation, alias, err := parseAggName(name)
	if err != nil {
		return fail(err)
	}
	r, err := rel.Find[P](relation)
	if err != nil {
		return fail(err)
	}
	a := build[P, struct{}](f, named[P]{r}, column, nil)
	if alias != "" {
		a = a.As(alias)
	}
	return a
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
