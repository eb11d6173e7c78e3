package sqlt

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SlogOption configures [SlogHook].
type SlogOption func(*slogHook)

// RedactArgs makes [SlogHook] leave the statements' arguments out of the
// log: each record then carries only their number ("args_count"), for
// statements whose values (passwords, tokens, personal data) must not be
// written to logs. A failed statement's error message can quote a value
// (PostgreSQL: invalid input syntax for type bigint: "…"): every text
// argument is replaced there by <redacted>. The error returned to the
// caller is unchanged.
func RedactArgs() SlogOption {
	return func(h *slogHook) { h.redact = true }
}

// SlogHook returns a Hook that logs every statement to l at level Debug
// ("relkit query", with sql, args, duration and rows), and failed
// statements at level Error (with error). It implements [TxHook] too:
// transaction boundaries are logged as "relkit tx" with op, duration and,
// when they fail, error.
//
// Arguments are logged as the database receives them: a pointer as the
// value it points to, nil (or a nil pointer) as NULL, a [driver.Valuer] as
// its Value(), a time in RFC 3339 with nanoseconds, a []byte as hex (its
// first 32 bytes and its length when longer), and a string longer than
// 256 bytes, or a slice (an array parameter) of more than 32 items, cut
// there with its length. Use [RedactArgs] to leave them out.
func SlogHook(l *slog.Logger, opts ...SlogOption) Hook {
	h := &slogHook{l: l}
	for _, o := range opts {
		o(h)
	}
	return h
}

type slogHook struct {
	l      *slog.Logger
	redact bool
}

// BeforeQuery implements Hook; it does nothing.
func (*slogHook) BeforeQuery(ctx context.Context, _ QueryStart) context.Context { return ctx }

// AfterQuery implements Hook.
func (h *slogHook) AfterQuery(ctx context.Context, q QueryEnd) {
	level := levelFor(q.Err)
	if !h.l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("sql", q.SQL))
	if h.redact {
		attrs = append(attrs, slog.Int("args_count", len(q.Args)))
	} else {
		attrs = append(attrs, slog.Any("args", logArgs(q.Args)))
	}
	attrs = append(attrs, slog.Duration("duration", q.Duration), slog.Int64("rows", q.Rows))
	if q.Err != nil {
		msg := q.Err.Error()
		if h.redact {
			msg = redactValues(msg, q.Args)
		}
		attrs = append(attrs, slog.String("error", msg))
	}
	h.l.LogAttrs(ctx, level, "relkit query", attrs...)
}

// BeforeTx implements TxHook; it does nothing.
func (*slogHook) BeforeTx(ctx context.Context, _ TxStart) context.Context { return ctx }

// AfterTx implements TxHook.
func (h *slogHook) AfterTx(ctx context.Context, t TxEnd) {
	level := levelFor(t.Err)
	if !h.l.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("op", string(t.Op)), slog.Duration("duration", t.Duration)}
	if t.Err != nil {
		attrs = append(attrs, slog.String("error", t.Err.Error()))
	}
	h.l.LogAttrs(ctx, level, "relkit tx", attrs...)
}

func levelFor(err error) slog.Level {
	if err != nil {
		return slog.LevelError
	}
	return slog.LevelDebug
}

// Limits of what one logged argument shows.
const (
	logBytesMax  = 32  // bytes of a []byte shown, as hex
	logStringMax = 256 // bytes of a string shown
	logItemsMax  = 32  // items of a slice (a PostgreSQL array) shown
)

// logArgs returns args as they are best read in a log line.
func logArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = logArg(a)
	}
	return out
}

// redactValues replaces in msg every text argument's value by <redacted>.
func redactValues(msg string, args []any) string {
	for _, a := range args {
		if s, ok := sentValue(a); ok {
			if s, ok := s.(string); ok && s != "" {
				msg = strings.ReplaceAll(msg, s, "<redacted>")
			}
		}
	}
	return msg
}

// sentValue follows pointers and Valuers to the value the database
// receives for a (bounded, in case a Valuer returns itself): nil for NULL,
// and false when a Valuer fails (with its error as the value).
func sentValue(a any) (any, bool) {
	for range 8 {
		if a == nil {
			return nil, true
		}
		if v, ok := a.(driver.Valuer); ok {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				return nil, true // database/sql sends a nil *T Valuer as NULL
			}
			val, err := v.Value()
			if err != nil {
				return err, false
			}
			a = val
			continue
		}
		rv := reflect.ValueOf(a)
		if rv.Kind() != reflect.Pointer {
			break
		}
		if rv.IsNil() {
			return nil, true
		}
		a = rv.Elem().Interface()
	}
	return a, true
}

// logArg returns the value the database receives for a, made readable.
func logArg(a any) any {
	a, ok := sentValue(a)
	if !ok {
		return fmt.Sprintf("<Value error: %v>", a)
	}
	if a == nil {
		return "NULL"
	}
	switch v := a.(type) {
	case []byte:
		if len(v) <= logBytesMax {
			return `\x` + hex.EncodeToString(v)
		}
		return `\x` + hex.EncodeToString(v[:logBytesMax]) + "… (" + strconv.Itoa(len(v)) + " bytes)"
	case string:
		if len(v) <= logStringMax {
			return v
		}
		cut := logStringMax
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return v[:cut] + "… (" + strconv.Itoa(len(v)) + " bytes)"
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice && rv.Len() > logItemsMax {
		return fmt.Sprintf("%v… (%d items)", rv.Slice(0, logItemsMax).Interface(), rv.Len())
	}
	return a
}
