// Package sqlt is relkit's execution layer: it runs SQL on SQLite (through
// database/sql and mattn/go-sqlite3, the embedded default) and natively on
// PostgreSQL (through pgx/v5), maps structs to tables, and scans rows into
// structs.
//
// # Opening a database
//
//	db, err := sqlt.Open(ctx, "sqlite::memory:")            // or "file:app.db"
//	db, err := sqlt.Open(ctx, "postgres://user:pw@host/db") // pgxpool, native
//	defer db.Close()
//
// Existing handles are adapted with [FromDB], [FromConn], [FromTx] (any
// database/sql driver, with its [Dialect]) and [FromPgx] (a pgxpool.Pool,
// pgx.Conn or pgx.Tx). Everything in relkit takes an [Executor]: a [*DB] or
// a [*Transaction].
//
// # Transactions
//
// [Tx] runs a function in a transaction, committing on nil and rolling back
// on an error or a panic. Nested calls use savepoints, so a function that
// needs atomicity can always call Tx, whether or not its caller already
// opened a transaction.
//
//	err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error { … })
//
// [TxWith] takes [TxOptions]: an isolation level, read-only, and
// MaxRetries, which runs the function again after a serialization failure,
// a deadlock or SQLITE_BUSY ([Retryable]); only the outermost transaction
// retries.
//
// Cancelling ctx never costs data: the call returns ctx's error and the
// transaction is rolled back. ctx bounds each statement and the wait for a
// connection, not the transaction's life, so the connection under a
// transaction is never closed by database/sql (for "sqlite::memory:" that
// connection is the database). When SQLite rolls a whole transaction back
// on its own (ON CONFLICT ROLLBACK, RAISE(ROLLBACK)), every later statement
// and the Commit fail with [ErrTxLost] instead of running outside it.
//
// # SQLite files
//
// [Open] gives a writable SQLite file WAL journaling, a 5 s busy timeout,
// foreign keys and transactions that take the write lock at BEGIN
// (go-sqlite3's _txlock=immediate), so that several goroutines can write
// at once without "database is locked"; options in the DSN win.
//
// # Mapping
//
// A struct maps to a table by convention (relkit computes the mapping
// once per type and caches it):
//
//   - table: TableName() if the struct has it, else the snake_case plural of
//     the type name (User → users, BlogPost → blog_posts, Person → people);
//   - columns: the `db:"name"` tag, else the snake_case field name; `db:"-"`
//     is not a column, and fields holding structs, slices or maps (loaded
//     relations) are not columns unless tagged;
//   - primary key: column id, or the field tagged `db:"code,pk"`, or the
//     column named by a PrimaryKey() method;
//   - `db:"comments_count,readonly"` is scanned but never written, and not
//     read by default: it is filled when the query supplies the column
//     (an aggregate's alias, a Select, a raw query);
//   - `db:"total,generated"` is a column of the table that the database
//     computes or maintains: read by every query, never written;
//   - embedded structs are flattened; pointer fields, sql.Null*, time.Time,
//     []byte, sql.Scanner and driver.Valuer types are single columns.
//
// [ScanAll], [ScanOne] and [ScanEach] read rows into structs (or single
// values). A result column with no field is an error naming it
// ([UnmappedResultColumnError], matching [ErrUnmappedResultColumn]; a
// column name a caller gives the builder that is not mapped is an
// [UnknownColumnError] instead, matching [ErrUnknownColumn], so a handler
// can answer the first with a 500 and the second with a 400). Queries
// relkit renders name the mapped columns one by one,
// so a column added to a table never breaks them; existence subqueries
// keep "select *", whose columns are never read.
//
// # Times
//
// Every time argument of a statement — time.Time, *time.Time, sql.NullTime,
// sql.Null[time.Time], and the elements of a []time.Time (a PostgreSQL
// array) — is bound in UTC, the same instant in UTC's location; the
// caller's arguments are not modified. pgx writes a time's wall clock into
// a PostgreSQL timestamp (without time zone) column, dropping its offset,
// and SQLite stores times as text with their offset and compares that text:
// bound in UTC, times round-trip and range conditions (where ts > ?) and
// ordering compare instants. The created_at/updated_at timestamps relkit
// sets are UTC as well, truncated to microseconds. A custom driver.Valuer
// whose value is a time is bound as it is.
//
// # Booleans and numbers for text parameters
//
// On PostgreSQL (the pgx handles), a bool, integer or float argument given
// for a parameter of another type — true for a text column, 7 for a
// varchar one — is sent as its text form, which PostgreSQL parses as the
// parameter's type: "1" and "0" for true and false (what SQLite stores
// for them and Laravel binds), integers in decimal, floats in their
// shortest exact form. pgx refuses such arguments before the statement
// runs; the statement is then run once more with its booleans and numbers
// as text. Arguments of the parameters' own types are bound as they are.
//
// # Observing statements
//
// [DB.WithHook] returns a handle that reports every statement to a [Hook]
// (SQL, arguments, duration, rows, error); [SlogHook] logs them. Tests use a
// hook to count statements.
//
// # Finding N+1 reads
//
// [NewRepeatGuard] returns a hook that finds a relation read for one parent
// at a time, in a loop. Package query tags each single-parent relation read
// (query.Related(…).Get, First, Count, Exists, query.GetOne, GetMany) with
// its origin ("User.posts") and the parent's key; in a scope
// ([RepeatGuard.Scope]) the guard counts the distinct parents per origin
// and records a [*RepeatError] (matching [ErrRepeatedQuery]) when they
// exceed RepeatOptions.Max (1 by default). Eager and aggregate loads are
// never tagged. RepeatOptions.AllSelects also counts the other SELECTs by
// shape and distinct arguments. The guard observes and never blocks; mode
// [RepeatFail] returns the violations from [RepeatScope.Close], [RepeatLog]
// logs them, [RepeatFunc] calls back. Tests use the one-line helper of
// package github.com/relkit/relkit/relkittest (NoRepeats); sqlt itself
// does not import testing.
//
// # MySQL and MariaDB
//
// sqlt.Open("mysql://user:pw@host:3306/db") runs MySQL 8.0+ and MariaDB
// 10.6+ through database/sql and go-sql-driver/mysql, with parseTime, UTC,
// utf8mb4, clientFoundRows and interpolateParams unless the DSN sets them;
// [FromDB] with [MySQL] or [MariaDB] adapts a *sql.DB of the caller's,
// which then needs parseTime=true&loc=UTC&clientFoundRows=true. What
// differs from SQLite and PostgreSQL:
//
//   - RETURNING: [MariaDB] has it (INSERT … RETURNING, 10.5+); [MySQL] has
//     not, so generated keys come from the driver's last insert id, one
//     row per statement (InsertMany and UpsertMany send one INSERT a row
//     inside their transaction): a key is never inferred from another
//     row's, whatever the auto-increment lock mode.
//   - Upsert is "insert … on duplicate key update c = values(c)": MySQL
//     names no conflict columns and takes a collision on any unique index
//     (the primary key included) as the conflict, where PostgreSQL and
//     SQLite fail with a unique violation (see query.Upsert).
//   - Row locks: FOR UPDATE and LOCK IN SHARE MODE, with NOWAIT or SKIP
//     LOCKED (MySQL 8.0, MariaDB 10.6). There are no key-only locks: FOR
//     NO KEY UPDATE becomes FOR UPDATE and FOR KEY SHARE a share lock.
//   - No deferrable constraints: a foreign key is checked by its statement.
//   - A deadlock (1213) rolls back the whole InnoDB transaction: the
//     error matches [ErrTxLost], and [TxWith] retries it, as it does a
//     lock wait timeout (1205; [Retryable]).
//   - A statement cancelled by its context fails with the server's
//     "query execution was interrupted" or a closed connection; the
//     error relkit returns also matches ctx's error (errors.Is with
//     context.Canceled or context.DeadlineExceeded). The driver closes
//     the connection of a statement cancelled while it runs, which rolls
//     its transaction back once the server notices (it may go on running
//     the statement, holding its locks, until then: SLEEP checks every 5 s).
//   - Collations: text keys and conditions compare under the column's
//     collation, case-insensitive by default (utf8mb4_general_ci): 'ABC'
//     and 'abc' are the same key to the server (a unique key refuses the
//     second, a WHERE finds both), while relkit matches the rows of an
//     eager load to their parents in Go, by equal values. Use a _bin or
//     _as_cs collation for keys that differ by case.
//   - A string column compared with a number or boolean is compared as a
//     number ('x' = 0, so 'yes' = false): MySQL's rule, which relkit does
//     not change (it binds the value as given); compare with strings for
//     a text comparison.
//   - Zero dates: a DATETIME '0000-00-00 00:00:00' (which MariaDB's
//     default sql_mode accepts and MySQL 8's refuses) reads as
//     time.Time{} (IsZero), and a sql.NullTime as Valid with the zero
//     time, not NULL; a zero time.Time is written as the zero date.
//   - Identifiers are at most 64 characters: longer names of a read
//     (an aggregate's alias, a pivot alias) are refused before any
//     statement with [ErrInvalidIdentifier].
//   - Invalid UTF-8 cannot be stored in a utf8mb4 text column (error
//     1366, "Incorrect string value"); use a varbinary column and a
//     []byte field for such keys.
//   - relkit never writes an explicit 0 primary key: an insert whose key
//     field is zero leaves the key to the database (query's Insert,
//     InsertMany, Save), so sql_mode NO_AUTO_VALUE_ON_ZERO (off by
//     default: an explicit 0 in an auto_increment column generates a new
//     key) only matters to SQL of your own; rows keyed 0 are read and
//     matched like any other.
//   - A key list longer than 500 keys is one JSON array parameter read
//     with json_table, so that an eager load or aggregate stays one
//     statement per relation for any number of parents.
//
// # Errors
//
// [ErrNotFound] (which also matches sql.ErrNoRows), [ErrUnknownColumn], [ErrUnmappedResultColumn],
// [ErrInvalidIdentifier], [ErrNoPrimaryKey], [ErrNotStruct], [ErrNilValue]
// [ErrTxDone] and [ErrTxLost] are matched with errors.Is; driver errors are wrapped with
// %w, so *pgconn.PgError, sqlite3.Error and *mysql.MySQLError stay
// reachable with errors.As.
package sqlt
