package relkitotel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	relkitotel "github.com/relkit/relkit/otel"
	"github.com/relkit/relkit/sqlt"
)

// traced returns db with the tracing hook, the recorder of its ended
// spans, and a context holding a parent span the statements' spans belong to.
func traced(t *testing.T, db *sqlt.DB) (*sqlt.DB, *tracetest.InMemoryExporter, context.Context, trace.Span) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, parent := tp.Tracer("test").Start(context.Background(), "handler")
	return db.WithHook(relkitotel.NewHook(db.Dialect(), relkitotel.WithTracerProvider(tp))), exp, ctx, parent
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func wantSystem(db *sqlt.DB) string {
	switch db.Dialect() {
	case sqlt.Postgres:
		return "postgresql"
	case sqlt.MariaDB:
		return "mariadb"
	case sqlt.MySQL:
		return "mysql"
	}
	return "sqlite"
}

func TestHookOpensOneSpanPerStatement(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlt.DB) {
		_, err := db.Exec(context.Background(), `create table things (id bigint primary key, name text not null)`)
		require.NoError(t, err)
		ex, exp, ctx, parent := traced(t, db)

		_, err = ex.Exec(ctx, `insert into things (id, name) values (?, ?), (?, ?)`, 1, "a", 2, "b")
		require.NoError(t, err)
		rows, err := ex.Query(ctx, `select id, name from things where id > ?`, 0)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			n++
		}
		require.NoError(t, rows.Close())
		require.Equal(t, 2, n)

		spans := exp.GetSpans()
		require.Len(t, spans, 2)
		ins, sel := spans[0], spans[1]
		assert.Equal(t, "insert", ins.Name)
		assert.Equal(t, "select", sel.Name)
		for _, s := range spans {
			a := attrs(s)
			assert.Equal(t, trace.SpanKindClient, s.SpanKind)
			assert.Equal(t, wantSystem(db), a[semconv.DBSystemNameKey].AsString())
			assert.Equal(t, s.Name, a[semconv.DBOperationNameKey].AsString())
			assert.Equal(t, parent.SpanContext().SpanID(), s.Parent.SpanID(), "a child of the caller's span")
			assert.Equal(t, codes.Unset, s.Status.Code)
		}
		assert.Equal(t, db.Dialect().Rebind(`select id, name from things where id > ?`), attrs(sel)[semconv.DBQueryTextKey].AsString())
		assert.Equal(t, int64(2), attrs(sel)[semconv.DBResponseReturnedRowsKey].AsInt64())
		assert.Equal(t, int64(2), attrs(ins)["relkit.rows_affected"].AsInt64())
		assert.NotContains(t, attrs(ins), semconv.DBResponseReturnedRowsKey)
	})
}

func TestHookRecordsTheStatementsError(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlt.DB) {
		ex, exp, ctx, _ := traced(t, db)
		_, err := ex.Exec(ctx, `select * from missing`)
		require.Error(t, err)

		spans := exp.GetSpans()
		require.Len(t, spans, 1)
		s := spans[0]
		assert.Equal(t, codes.Error, s.Status.Code)
		assert.Contains(t, s.Status.Description, "missing")
		require.Len(t, s.Events, 1)
		assert.Equal(t, "exception", s.Events[0].Name)
		a := attrs(s)
		switch db.Dialect().Name() {
		case "postgres":
			assert.Equal(t, "42P01", a[semconv.DBResponseStatusCodeKey].AsString(), "undefined_table")
			assert.Equal(t, "42P01", a[semconv.ErrorTypeKey].AsString())
		case "mysql":
			assert.Equal(t, "1146", a[semconv.DBResponseStatusCodeKey].AsString(), "ER_NO_SUCH_TABLE")
			assert.Equal(t, "1146", a[semconv.ErrorTypeKey].AsString())
		default:
			assert.NotEmpty(t, a[semconv.ErrorTypeKey].AsString())
		}
	})
}

func TestHookTracesTransactionBoundaries(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlt.DB) {
		_, err := db.Exec(context.Background(), `create table things (id bigint primary key, name text not null)`)
		require.NoError(t, err)
		ex, exp, ctx, parent := traced(t, db)
		undo := errors.New("undo")
		err = sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into things (id, name) values (?, ?)`, 1, "a"); err != nil {
				return err
			}
			err := sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error { return undo })
			require.ErrorIs(t, err, undo)
			return nil
		})
		require.NoError(t, err)

		var names []string
		for _, s := range exp.GetSpans() {
			names = append(names, s.Name)
			assert.Equal(t, parent.SpanContext().SpanID(), s.Parent.SpanID())
			assert.Equal(t, wantSystem(db), attrs(s)[semconv.DBSystemNameKey].AsString())
			assert.Equal(t, s.Name, attrs(s)[semconv.DBOperationNameKey].AsString())
		}
		assert.Equal(t, []string{"begin", "insert", "savepoint", "rollback to savepoint", "commit"}, names)
	})
}

func TestHookUsesTheSpanItStarted(t *testing.T) {
	// Two tracing hooks on one handle each end their own span.
	forEachDB(t, func(t *testing.T, db *sqlt.DB) {
		ex, exp, ctx, _ := traced(t, db)
		exp2 := tracetest.NewInMemoryExporter()
		tp2 := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp2))
		defer tp2.Shutdown(context.Background())
		ex = ex.WithHook(relkitotel.NewHook(db.Dialect(), relkitotel.WithTracerProvider(tp2),
			relkitotel.WithAttributes(semconv.DBNamespace("shop"))))
		_, err := ex.Exec(ctx, `select 1`)
		require.NoError(t, err)
		require.Len(t, exp.GetSpans(), 1)
		require.Len(t, exp2.GetSpans(), 1)
		assert.Equal(t, "shop", attrs(exp2.GetSpans()[0])[semconv.DBNamespaceKey].AsString())
		assert.NotContains(t, attrs(exp.GetSpans()[0]), semconv.DBNamespaceKey)
		assert.Equal(t, exp.GetSpans()[0].SpanContext.SpanID(), exp2.GetSpans()[0].Parent.SpanID(), "the second hook's span is a child of the first's")
	})
}
