package sqlt

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMySQLDSNGetsRelkitDefaults(t *testing.T) {
	cfg, err := mysqlConfig("mysql://app:p%40ss:w@db.internal/shop")
	require.NoError(t, err)
	assert.Equal(t, "app", cfg.User)
	assert.Equal(t, "p@ss:w", cfg.Passwd, "the password is taken whole, unescaped")
	assert.Equal(t, "tcp", cfg.Net)
	assert.Equal(t, "db.internal:3306", cfg.Addr, "the default port")
	assert.Equal(t, "shop", cfg.DBName)
	assert.True(t, cfg.ParseTime)
	assert.Equal(t, time.UTC, cfg.Loc)
	assert.True(t, cfg.ClientFoundRows)
	assert.True(t, cfg.InterpolateParams)
	assert.Equal(t, "utf8mb4_general_ci", cfg.Collation)
	assert.Equal(t, "'+00:00'", cfg.Params["time_zone"])
}

func TestMySQLDSNKeepsTheUsersOptions(t *testing.T) {
	cfg, err := mysqlConfig("mysql://app@127.0.0.1:3307/shop?parseTime=false&interpolateParams=false&clientFoundRows=false&time_zone=%27Europe%2FParis%27&loc=Local&readTimeout=2s")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:3307", cfg.Addr)
	assert.False(t, cfg.ParseTime)
	assert.False(t, cfg.InterpolateParams)
	assert.False(t, cfg.ClientFoundRows)
	assert.Equal(t, time.Local, cfg.Loc)
	assert.Equal(t, "'Europe/Paris'", cfg.Params["time_zone"])
	assert.Equal(t, 2*time.Second, cfg.ReadTimeout)
}

func TestMySQLDSNErrorsHideThePassword(t *testing.T) {
	_, err := mysqlConfig("mysql://app:secret@host/db?parseTime=maybe")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

// TestOpenMySQLPicksTheDialect runs against the test server: MariaDB
// answers RETURNING, MySQL does not.
func TestOpenMySQLPicksTheDialect(t *testing.T) {
	dsn := os.Getenv("RELKIT_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RELKIT_MYSQL_DSN is not set and CI=true")
		}
		t.Skip("RELKIT_MYSQL_DSN not set")
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	assert.Equal(t, "mysql", db.Dialect().Name())
	rows, err := db.Query(ctx, "select version()")
	require.NoError(t, err)
	v, err := ScanOne[string](rows)
	require.NoError(t, err)
	if assert.NotEmpty(t, v) {
		assert.Equal(t, strings.Contains(strings.ToLower(v), "mariadb"), db.Dialect().Returning(), "server %s", v)
	}
}
