package sqlt_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// upper is a driver.Valuer that sends its text upper case.
type upper string

func (u upper) Value() (driver.Value, error) { return strings.ToUpper(string(u)), nil }

// logRecords decodes the JSON log lines in buf.
func logRecords(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		out = append(out, rec)
	}
	return out
}

func jsonLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestSlogHookLogsTheValuesSent(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		blob, ts := "blob", "datetime"
		switch db.Name {
		case "postgres":
			blob, ts = "bytea", "timestamptz"
		case "mysql":
			blob, ts = "longblob", "datetime(6)" // a megabyte: no varbinary(255)
		}
		db.MustExec(t, `create table logged (a text, b bigint, c bigint, d text, e text, f `+blob+`, g `+ts+`, h text, i `+blob+`)`)
		var buf, text bytes.Buffer
		textLogger := slog.New(slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}))
		ex := db.WithHook(sqlt.SlogHook(jsonLogger(&buf))).WithHook(sqlt.SlogHook(textLogger))

		name := "alice"
		var missing *int64
		big := bytes.Repeat([]byte{0xab}, 1<<20)
		long := strings.Repeat("é", 200) // 400 bytes
		at := time.Date(2024, 5, 6, 7, 8, 9, 500, time.UTC)
		_, err := ex.Exec(context.Background(),
			`insert into logged (a, b, c, d, e, f, g, h, i) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			&name, missing, sql.NullInt64{Int64: 7, Valid: true}, sql.NullString{}, upper("bob"), big, at, long, []byte{1, 2})
		require.NoError(t, err)

		recs := logRecords(t, &buf)
		require.Len(t, recs, 1)
		args, ok := recs[0]["args"].([]any)
		require.True(t, ok, "args is a list: %v", recs[0]["args"])
		require.Len(t, args, 9)
		assert.Equal(t, "alice", args[0], "a pointer logs the value it points to")
		assert.Equal(t, "NULL", args[1], "a nil pointer logs NULL")
		assert.Equal(t, float64(7), args[2], "a Valuer logs its Value()")
		assert.Equal(t, "NULL", args[3], "an invalid Null* logs NULL")
		assert.Equal(t, "BOB", args[4])
		assert.Equal(t, `\x`+strings.Repeat("ab", 32)+"… (1048576 bytes)", args[5], "a large []byte logs a hex prefix and its length")
		assert.Equal(t, "2024-05-06T07:08:09.0000005Z", args[6], "a time logs in RFC 3339")
		assert.Equal(t, strings.Repeat("é", 128)+"… (400 bytes)", args[7], "a long string is cut on a character boundary")
		assert.Equal(t, `\x0102`, args[8])
		assert.Less(t, buf.Len(), 2000, "the log line stays small")
		assert.Contains(t, text.String(), `args="[alice NULL 7 NULL BOB \\xabab`, "the text handler shows values, not addresses")
	})
}

func TestSlogHookRedactArgs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t, `create table users (id {{pk}}, email text, password text)`)
		var buf bytes.Buffer
		ex := db.WithHook(sqlt.SlogHook(jsonLogger(&buf), sqlt.RedactArgs()))
		_, err := ex.Exec(context.Background(), `insert into users (email, password) values (?, ?)`, "a@example.com", "s3cret")
		require.NoError(t, err)
		assert.NotContains(t, buf.String(), "s3cret")
		assert.NotContains(t, buf.String(), "a@example.com")
		recs := logRecords(t, &buf)
		require.Len(t, recs, 1)
		assert.Equal(t, float64(2), recs[0]["args_count"])
		assert.NotContains(t, recs[0], "args")
		assert.Contains(t, recs[0]["sql"], "insert into users")
	})
}

func TestSlogHookLogsTransactionBoundaries(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		var buf bytes.Buffer
		ex := db.WithHook(sqlt.SlogHook(jsonLogger(&buf)))
		err := sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a"); err != nil {
				return err
			}
			return sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error { return nil })
		})
		require.NoError(t, err)
		var got []string
		for _, r := range logRecords(t, &buf) {
			if r["msg"] == "relkit tx" {
				got = append(got, r["op"].(string))
				assert.Equal(t, "DEBUG", r["level"])
			} else {
				got = append(got, r["msg"].(string))
			}
		}
		assert.Equal(t, []string{"begin", "relkit query", "savepoint", "release savepoint", "commit"}, got)
	})
}

func TestSlogHookRedactArgsKeepsValuesOutOfErrorMessages(t *testing.T) {
	// PostgreSQL quotes the value it could not parse in the message
	// ("invalid input syntax for type bigint: ..."); SQLite's messages
	// carry no values, so this runs on PostgreSQL by construction.
	db := testdb.Postgres(t)
	db.MustExec(t, `create table users (id {{pk}}, pin bigint)`)
	var buf bytes.Buffer
	ex := db.WithHook(sqlt.SlogHook(jsonLogger(&buf), sqlt.RedactArgs()))
	secret := "s3cret-pin"
	_, err := ex.Exec(context.Background(), `insert into users (pin) values (?)`, &secret)
	require.Error(t, err)
	require.Contains(t, err.Error(), secret, "the caller's error keeps the value")
	recs := logRecords(t, &buf)
	require.Len(t, recs, 1)
	assert.Contains(t, recs[0]["error"], "invalid input syntax", "the message stays readable")
	assert.NotContains(t, buf.String(), secret)
}

func TestSlogHook(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := sqlt.Open(context.Background(), "sqlite::memory:")
	require.NoError(t, err)
	defer db.Close()
	ldb := db.WithHook(sqlt.SlogHook(l))
	_, err = ldb.Exec(context.Background(), `select ?`, 42)
	require.NoError(t, err)
	_, err = ldb.Exec(context.Background(), `select * from missing`)
	require.Error(t, err)
	out := buf.String()
	assert.Contains(t, out, `level=DEBUG msg="relkit query" sql="select ?"`)
	assert.Contains(t, out, "args=[42]")
	assert.Contains(t, out, "level=ERROR")
	assert.Equal(t, 2, strings.Count(out, "relkit query"))
}
