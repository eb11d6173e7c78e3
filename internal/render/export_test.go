package render

// SetSQLiteVersion makes CheckPerParent see SQLite version v (number n)
// until the returned function restores the linked one.
func SetSQLiteVersion(v string, n int) (restore func()) {
	old := sqliteVersion
	sqliteVersion = func() (string, int) { return v, n }
	return func() { sqliteVersion = old }
}
