// Package relkitotel traces relkit's SQL with OpenTelemetry: one client
// span per statement, named by its operation ("select", "insert", …),
// with the database semantic-convention attributes (db.system.name,
// db.query.text, db.operation.name, db.response.returned_rows,
// db.response.status_code, error.type), and one span per transaction
// boundary (begin, commit, rollback, savepoint, release savepoint,
// rollback to savepoint).
//
//	db = db.WithHook(relkitotel.NewHook(db.Dialect()))
//
// Spans are children of the span in the statement's context. The query
// text is recorded as relkit sent it: relkit binds every value, so it holds
// placeholders, never the values, and the arguments are not recorded.
//
// The package is its own module (github.com/relkit/relkit/otel) so that
// relkit's go.mod and go.sum do not carry OpenTelemetry for users who do
// not trace.
package relkitotel

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/relkit/relkit/sqlt"
)

// ScopeName is the instrumentation scope of the tracer the hook uses.
const ScopeName = "github.com/relkit/relkit/otel"

// Option configures [NewHook].
type Option func(*Hook)

// WithTracerProvider makes the hook take its tracer from tp instead of
// the global provider (otel.GetTracerProvider()).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(h *Hook) { h.tp = tp }
}

// WithAttributes adds attrs to every span, for example
// semconv.DBNamespace("shop") or semconv.ServerAddress("db1").
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(h *Hook) { h.attrs = append(h.attrs, attrs...) }
}

// Hook is a [sqlt.Hook] and [sqlt.TxHook] that traces statements and
// transaction boundaries. Make one with [NewHook]; it is safe for
// concurrent use.
type Hook struct {
	tp     trace.TracerProvider
	tracer trace.Tracer
	system attribute.KeyValue
	attrs  []attribute.KeyValue
}

var (
	_ sqlt.Hook   = (*Hook)(nil)
	_ sqlt.TxHook = (*Hook)(nil)
)

// NewHook returns a hook tracing the statements of a database of dialect
// d (db.Dialect()).
func NewHook(d sqlt.Dialect, opts ...Option) *Hook {
	h := &Hook{system: systemName(d)}
	for _, o := range opts {
		o(h)
	}
	if h.tp == nil {
		h.tp = otel.GetTracerProvider()
	}
	h.tracer = h.tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
	return h
}

// systemName is db.system.name for d.
func systemName(d sqlt.Dialect) attribute.KeyValue {
	if d == nil {
		return semconv.DBSystemNameOtherSQL
	}
	switch d.Name() {
	case sqlt.Postgres.Name():
		return semconv.DBSystemNamePostgreSQL
	case sqlt.SQLite.Name():
		return semconv.DBSystemNameSQLite
	case sqlt.MySQL.Name():
		if d == sqlt.MariaDB {
			return semconv.DBSystemNameMariaDB
		}
		return semconv.DBSystemNameMySQL
	}
	return semconv.DBSystemNameKey.String(d.Name())
}

// spanKey holds the hook's own span in a context, so that AfterQuery ends
// the span BeforeQuery started even if another hook put a span after it.
type spanKey struct{ h *Hook }

// BeforeQuery implements sqlt.Hook: it starts the statement's span.
func (h *Hook) BeforeQuery(ctx context.Context, q sqlt.QueryStart) context.Context {
	op := operationName(q.SQL)
	attrs := append(make([]attribute.KeyValue, 0, len(h.attrs)+3), h.system, semconv.DBQueryText(q.SQL))
	if op != "" {
		attrs = append(attrs, semconv.DBOperationName(op))
	}
	return h.start(ctx, spanName(op, h.system), append(attrs, h.attrs...))
}

// AfterQuery implements sqlt.Hook: it ends the statement's span, with the
// rows it read (db.response.returned_rows, for queries) or affected
// (relkit.rows_affected, for exec) and its error.
func (h *Hook) AfterQuery(ctx context.Context, q sqlt.QueryEnd) {
	span, ok := ctx.Value(spanKey{h}).(trace.Span)
	if !ok {
		return
	}
	if q.Query {
		span.SetAttributes(semconv.DBResponseReturnedRows(int(q.Rows)))
	} else {
		span.SetAttributes(attribute.Int64("relkit.rows_affected", q.Rows))
	}
	end(span, q.Err)
}

// BeforeTx implements sqlt.TxHook: it starts the boundary's span.
func (h *Hook) BeforeTx(ctx context.Context, t sqlt.TxStart) context.Context {
	op := string(t.Op)
	attrs := append(make([]attribute.KeyValue, 0, len(h.attrs)+2), h.system, semconv.DBOperationName(op))
	return h.start(ctx, op, append(attrs, h.attrs...))
}

// AfterTx implements sqlt.TxHook: it ends the boundary's span.
func (h *Hook) AfterTx(ctx context.Context, t sqlt.TxEnd) {
	if span, ok := ctx.Value(spanKey{h}).(trace.Span); ok {
		end(span, t.Err)
	}
}

func (h *Hook) start(ctx context.Context, name string, attrs []attribute.KeyValue) context.Context {
	ctx, span := h.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, spanKey{h}, span)
}

// end records err on span (error.type and db.response.status_code are the
// SQLSTATE when the driver gives one, MySQL's error number on MySQL, as
// the semantic conventions ask) and ends it.
func end(span trace.Span, err error) {
	if err != nil {
		var st interface{ SQLState() string }
		var my *mysql.MySQLError
		switch {
		case errors.As(err, &my):
			code := strconv.Itoa(int(my.Number))
			span.SetAttributes(semconv.DBResponseStatusCode(code), semconv.ErrorTypeKey.String(code))
		case errors.As(err, &st) && st.SQLState() != "":
			span.SetAttributes(semconv.DBResponseStatusCode(st.SQLState()), semconv.ErrorTypeKey.String(st.SQLState()))
		default:
			span.SetAttributes(semconv.ErrorType(err))
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// operationName is the statement's first keyword as written ("select",
// "insert", …), or "" for one that does not start with an operation (a
// WITH clause, a comment).
func operationName(sql string) string {
	sql = strings.TrimLeft(sql, " \t\r\n(")
	i := strings.IndexFunc(sql, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if i >= 0 {
		sql = sql[:i]
	}
	if strings.EqualFold(sql, "with") {
		return ""
	}
	return sql
}

// spanName follows the semantic conventions: the operation name, else the
// database system.
func spanName(op string, system attribute.KeyValue) string {
	if op != "" {
		return op
	}
	return system.Value.AsString()
}
