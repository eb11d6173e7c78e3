package sqlt_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

type zdEvent struct {
	ID   int64        `db:"id"`
	At   time.Time    `db:"at"`
	Opt  *time.Time   `db:"opt"`
	Null sql.NullTime `db:"null_at"`
}

// MySQL's zero date '0000-00-00 00:00:00' (which MariaDB's default
// sql_mode accepts) has no time.Time: go-sql-driver/mysql with parseTime,
// which relkit's Open sets, reads it as time.Time{} (IsZero), and writes a
// zero time.Time as the zero date, so it round-trips. A sql.NullTime reads
// it as Valid with the zero time: it is not NULL. This is documented in
// the package documentation.
func TestMySQLZeroDatesReadAsTheZeroTime(t *testing.T) {
	ctx := context.Background()
	db := testdb.MySQL(t)
	db.MustExec(t, `create table zd_events (id bigint primary key, at datetime not null, opt datetime null, null_at datetime null)`)
	// MariaDB's default sql_mode takes it; MySQL 8's (NO_ZERO_DATE) does not.
	db.MustExec(t, `insert into zd_events values (1, '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')`)
	rows, err := db.Query(ctx, `select id, at, opt, null_at from zd_events where id = 1`)
	require.NoError(t, err)
	got, err := sqlt.ScanOne[zdEvent](rows)
	require.NoError(t, err)
	assert.True(t, got.At.IsZero(), "%v", got.At)
	require.NotNil(t, got.Opt, "a zero date is not NULL")
	assert.True(t, got.Opt.IsZero())
	assert.True(t, got.Null.Valid)
	assert.True(t, got.Null.Time.IsZero())

	_, err = db.Exec(ctx, `insert into zd_events (id, at) values (2, ?)`, time.Time{})
	require.NoError(t, err)
	rows, err = db.Query(ctx, `select cast(at as char) from zd_events where id = 2`)
	require.NoError(t, err)
	text, err := sqlt.ScanOne[string](rows)
	require.NoError(t, err)
	assert.Equal(t, "0000-00-00 00:00:00", text, "time.Time{} is written as the zero date")
}
