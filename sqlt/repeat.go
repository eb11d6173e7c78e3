package sqlt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/relkit/relkit/internal/reltag"
)

// ErrRepeatedQuery is matched by every [*RepeatError]: an N+1 read found by
// a [RepeatGuard].
var ErrRepeatedQuery = errors.New("relkit: repeated query (N+1)")

// ErrScopeClosed is matched by the error of closing a [RepeatScope] a
// second time.
var ErrScopeClosed = errors.New("relkit: repeat guard scope already closed")

// RepeatMode is what a [RepeatGuard] does when a read first crosses its
// threshold. In every mode the violation is recorded ([RepeatScope.Err])
// and the statement runs: the guard observes, it never blocks.
type RepeatMode uint8

const (
	// RepeatFail makes [RepeatScope.Close] return the violations.
	RepeatFail RepeatMode = iota
	// RepeatLog logs each violation at level Warn ("relkit: N+1 query")
	// when it happens, and its final count when the scope is closed.
	RepeatLog
	// RepeatFunc calls RepeatOptions.Func with each violation when it
	// happens.
	RepeatFunc
)

// RepeatOptions configures [NewRepeatGuard].
type RepeatOptions struct {
	// Max is the number of distinct parents one relation may be read for
	// in a scope; 0 (or less) means 1: the second parent is an N+1.
	Max int
	// Mode is what happens when a read first exceeds Max.
	Mode RepeatMode
	// AllSelects also counts every SELECT that is not a single-parent
	// relation read, by shape (white space collapsed, placeholder lists
	// collapsed, $n read as ?) and distinct argument lists: it catches
	// Find in a loop. Writes are never counted, nor is a SELECT run with
	// Exec (such as the lock a pivot write takes on PostgreSQL).
	AllSelects bool
	// Func is called, in mode RepeatFunc, with each violation when it
	// happens, on the goroutine that ran the statement; nil: no call.
	Func func(*RepeatError)
	// Logger receives the records of mode RepeatLog; nil: slog.Default().
	Logger *slog.Logger
}

// RepeatGuard is a [Hook] that finds N+1 reads: a relation read for one
// parent at a time, in a loop, where one eager load (load.With) or
// aggregate (agg.Load…) would read them all in one statement.
//
// It only observes statements whose context comes from [RepeatGuard.Scope].
// Each single-parent relation read of package query
// (query.Related(…).Get, First, Count, Exists, …, query.GetOne,
// query.GetMany) is tagged with its origin, the parent type and relation
// name ("User.posts"), and its parent's key: the local key (hasOne,
// hasMany), the foreign key (belongsTo: two posts of one author are one
// parent) or the parent key (belongsToMany). For each origin the scope
// counts the distinct parents read; when they first exceed Max, a
// [*RepeatError] is recorded. The same parent read again is a duplicate,
// reported by [RepeatScope.Stats], never a violation. Eager and aggregate
// loads are never tagged: they are the cure.
//
// Add it with [DB.WithHook]; the statements of transactions begun on that
// DB are observed too. A RepeatGuard is safe for concurrent use, and an
// unscoped statement costs it one context lookup.
type RepeatGuard struct {
	opts RepeatOptions
}

// NewRepeatGuard returns a guard with the given options.
func NewRepeatGuard(opts RepeatOptions) *RepeatGuard {
	if opts.Max <= 0 {
		opts.Max = 1
	}
	return &RepeatGuard{opts: opts}
}

// Scope returns a context derived from ctx whose statements, and those of
// contexts derived from it, the guard counts in the returned scope. A
// scope opened inside another one (from its context) counts its
// statements alone. Close it when done.
func (g *RepeatGuard) Scope(ctx context.Context) (context.Context, *RepeatScope) {
	s := &RepeatScope{g: g, entries: map[repeatKey]*repeatEntry{}}
	return context.WithValue(ctx, g, s), s
}

// BeforeQuery implements [Hook]: it counts the statement in the scope of
// ctx, if any.
func (g *RepeatGuard) BeforeQuery(ctx context.Context, q QueryStart) context.Context {
	s, _ := ctx.Value(g).(*RepeatScope)
	if s == nil || reltag.Writing(ctx) {
		return ctx
	}
	var k repeatKey
	var parent any
	if t := reltag.From(ctx); t != nil {
		k.origin, parent = t.Origin, comparableKey(t.Key)
	} else if g.opts.AllSelects && q.Query && isSelect(q.SQL) {
		k.shape, parent = shapeOf(q.SQL), argsKey(q.Args)
	} else {
		return ctx
	}
	if e := s.observe(k, q, parent); e != nil {
		g.report(ctx, e)
	}
	return ctx
}

// AfterQuery implements [Hook]; it does nothing.
func (*RepeatGuard) AfterQuery(context.Context, QueryEnd) {}

// report runs the mode's reaction to a new violation.
func (g *RepeatGuard) report(ctx context.Context, e *RepeatError) {
	switch g.opts.Mode {
	case RepeatLog:
		g.logger().WarnContext(ctx, "relkit: N+1 query", e.attrs()...)
	case RepeatFunc:
		if g.opts.Func != nil {
			g.opts.Func(e)
		}
	}
}

func (g *RepeatGuard) logger() *slog.Logger {
	if g.opts.Logger != nil {
		return g.opts.Logger
	}
	return slog.Default()
}

// RepeatScope counts the statements of one scope of a [RepeatGuard] (a
// test, a request). It is safe for concurrent use.
type RepeatScope struct {
	g          *RepeatGuard
	mu         sync.Mutex
	entries    map[repeatKey]*repeatEntry
	order      []*repeatEntry // in order of first statement
	violations []*repeatEntry // in order of first violation
	closed     bool
}

// repeatKey is what a scope counts under: a relation origin, or the shape
// of an untagged SELECT (AllSelects).
type repeatKey struct{ origin, shape string }

type repeatEntry struct {
	repeatKey
	sql        string           // the first statement, as sent
	parents    map[any]struct{} // distinct parent keys (shape: argument lists)
	keys       []any            // the first maxKeys of them, in order
	statements int
}

// maxKeys is the number of parent keys a RepeatError lists.
const maxKeys = 10

// observe counts a statement; it returns the violation when this
// statement is the first to exceed Max.
func (s *RepeatScope) observe(k repeatKey, q QueryStart, parent any) *RepeatError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	e := s.entries[k]
	if e == nil {
		e = &repeatEntry{repeatKey: k, sql: q.SQL, parents: map[any]struct{}{}}
		s.entries[k] = e
		s.order = append(s.order, e)
	}
	e.statements++
	if _, dup := e.parents[parent]; dup {
		return nil
	}
	e.parents[parent] = struct{}{}
	if len(e.keys) < maxKeys {
		if k.shape != "" {
			e.keys = append(e.keys, append([]any(nil), q.Args...))
		} else {
			e.keys = append(e.keys, parent)
		}
	}
	if len(e.parents) != s.g.opts.Max+1 {
		return nil
	}
	s.violations = append(s.violations, e)
	return s.errorOf(e)
}

// errorOf is e's violation with its current count; s.mu is held.
func (s *RepeatScope) errorOf(e *repeatEntry) *RepeatError {
	sql := e.sql
	if e.shape != "" {
		sql = e.shape
	}
	return &RepeatError{Origin: e.origin, SQL: sql, Count: len(e.parents), Max: s.g.opts.Max, Keys: append([]any(nil), e.keys...)}
}

// Err returns the violations recorded so far, joined with errors.Join in
// order of first occurrence (each a [*RepeatError] with its count at this
// call), or nil.
func (s *RepeatScope) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errLocked()
}

func (s *RepeatScope) errLocked() error {
	errs := make([]error, len(s.violations))
	for i, e := range s.violations {
		errs[i] = s.errorOf(e)
	}
	return errors.Join(errs...)
}

// RepeatStat is what a scope counted for one relation origin, or one
// statement shape (AllSelects).
type RepeatStat struct {
	// Origin is the relation read ("User.posts"); "" for a shape.
	Origin string
	// SQL is the first statement as sent; the shape for a shape.
	SQL string
	// Statements is the number of statements counted.
	Statements int
	// Parents is the number of distinct parents read (for a shape:
	// distinct argument lists).
	Parents int
	// Duplicates is the number of statements that read a parent again:
	// Statements - Parents.
	Duplicates int
}

// Stats returns what the scope counted, in order of first statement.
func (s *RepeatScope) Stats() []RepeatStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RepeatStat, len(s.order))
	for i, e := range s.order {
		sql := e.sql
		if e.shape != "" {
			sql = e.shape
		}
		out[i] = RepeatStat{Origin: e.origin, SQL: sql, Statements: e.statements, Parents: len(e.parents), Duplicates: e.statements - len(e.parents)}
	}
	return out
}

// Close ends the scope: its context's statements are no longer counted.
// In mode RepeatFail it returns the violations ([RepeatScope.Err]); in
// mode RepeatLog it logs each violation's final count. Closing a scope a
// second time returns an error matching [ErrScopeClosed].
func (s *RepeatScope) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("close repeat guard scope: %w", ErrScopeClosed)
	}
	s.closed = true
	err := s.errLocked()
	s.mu.Unlock()
	switch s.g.opts.Mode {
	case RepeatFail:
		return err
	case RepeatLog:
		for _, e := range repeatErrors(err) {
			s.g.logger().Warn("relkit: N+1 query, final count", e.attrs()...)
		}
	}
	return nil
}

// repeatErrors unwraps the errors.Join of Err.
func repeatErrors(err error) []*RepeatError {
	j, _ := err.(interface{ Unwrap() []error })
	if j == nil {
		return nil
	}
	out := make([]*RepeatError, 0, len(j.Unwrap()))
	for _, e := range j.Unwrap() {
		out = append(out, e.(*RepeatError))
	}
	return out
}

// RepeatError is an N+1 read found by a [RepeatGuard]. It matches
// [ErrRepeatedQuery].
type RepeatError struct {
	// Origin is the relation read ("User.posts"); "" for a statement
	// counted by shape (RepeatOptions.AllSelects).
	Origin string
	// SQL is the first such statement as sent, or the shape.
	SQL string
	// Count is the number of distinct parents (argument lists) read.
	Count int
	// Max is the guard's threshold.
	Max int
	// Keys are the first 10 parent keys (argument lists, as []any).
	Keys []any
}

// Error implements error.
func (e *RepeatError) Error() string {
	if e.Origin == "" {
		return fmt.Sprintf("relkit: N+1: statement run with %d distinct argument lists in one scope (max %d): %s", e.Count, e.Max, e.SQL)
	}
	return fmt.Sprintf("relkit: N+1: relation %s read for %d parents in one scope (max %d); eager-load it with load.With: %s", e.Origin, e.Count, e.Max, e.SQL)
}

// Is reports whether target is [ErrRepeatedQuery].
func (e *RepeatError) Is(target error) bool { return target == ErrRepeatedQuery }

func (e *RepeatError) attrs() []any {
	return []any{"origin", e.Origin, "count", e.Count, "sql", e.SQL}
}

// comparableKey returns k if it can be a map key, else its printed form.
func comparableKey(k any) any {
	if k == nil || reflect.TypeOf(k).Comparable() {
		return k
	}
	return fmt.Sprintf("%T:%v", k, k)
}

// argsKey is a map key standing for an argument list: the values the
// database receives, with their types.
func argsKey(args []any) string {
	var b strings.Builder
	for _, a := range args {
		v, _ := sentValue(a)
		fmt.Fprintf(&b, "%T:%v\x00", v, v)
	}
	return b.String()
}

// isSelect reports whether sql is a SELECT (not a write with RETURNING).
func isSelect(sql string) bool {
	sql = strings.TrimLeft(sql, " \t\r\n(")
	return len(sql) >= 6 && strings.EqualFold(sql[:6], "select")
}

var (
	shapeSpace  = regexp.MustCompile(`\s+`)
	shapeDollar = regexp.MustCompile(`\$\d+`)
	shapeList   = regexp.MustCompile(`\(\s*\?(?:\s*,\s*\?)*\s*\)`)
)

// shapeOf is the shape of a statement: white space collapsed, $n written
// ?, and placeholder lists "(?, ?, …)" written "(…)".
func shapeOf(sql string) string {
	sql = shapeSpace.ReplaceAllString(strings.TrimSpace(sql), " ")
	sql = shapeDollar.ReplaceAllString(sql, "?")
	return shapeList.ReplaceAllString(sql, "(…)")
}
