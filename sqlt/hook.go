package sqlt

import (
	"context"
	"log/slog"
	"time"
)

// Hook observes statements. BeforeQuery runs before a statement is sent and
// may return a derived context (for tracing spans); AfterQuery runs when the
// statement has finished: for a query, when its rows are closed. Hooks see
// every statement relkit sends — SELECT, INSERT, UPDATE, DELETE — and not
// transaction control (BEGIN, COMMIT, SAVEPOINT).
//
// Hooks must be safe for concurrent use.
type Hook interface {
	BeforeQuery(ctx context.Context, q QueryStart) context.Context
	AfterQuery(ctx context.Context, q QueryEnd)
}

// QueryStart describes a statement about to run.
type QueryStart struct {
	SQL  string // as sent, placeholders in the dialect's form
	Args []any
}

// QueryEnd describes a finished statement.
type QueryEnd struct {
	SQL      string
	Args     []any
	Duration time.Duration
	// Rows is the number of rows read (queries) or affected (exec).
	Rows int64
	Err  error
}

// HookFunc adapts a function to a [Hook] that only observes finished
// statements.
type HookFunc func(ctx context.Context, q QueryEnd)

// BeforeQuery implements Hook; it does nothing.
func (HookFunc) BeforeQuery(ctx context.Context, _ QueryStart) context.Context { return ctx }

// AfterQuery implements Hook by calling f.
func (f HookFunc) AfterQuery(ctx context.Context, q QueryEnd) { f(ctx, q) }

// SlogHook returns a Hook that logs every statement to l at level Debug,
// and failed statements at level Error.
func SlogHook(l *slog.Logger) Hook {
	return HookFunc(func(ctx context.Context, q QueryEnd) {
		level := slog.LevelDebug
		if q.Err != nil {
			level = slog.LevelError
		}
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("sql", q.SQL),
			slog.Any("args", q.Args),
			slog.Duration("duration", q.Duration),
			slog.Int64("rows", q.Rows),
		}
		if q.Err != nil {
			attrs = append(attrs, slog.String("error", q.Err.Error()))
		}
		l.LogAttrs(ctx, level, "relkit query", attrs...)
	})
}

func hookStart(ctx context.Context, hooks []Hook, sql string, args []any) context.Context {
	for _, h := range hooks {
		ctx = h.BeforeQuery(ctx, QueryStart{SQL: sql, Args: args})
	}
	return ctx
}

func hookEnd(ctx context.Context, hooks []Hook, e QueryEnd) {
	for _, h := range hooks {
		h.AfterQuery(ctx, e)
	}
}
