// Package pivot writes the pivot table of a many-to-many relation:
// Eloquent's attach, detach, sync, syncWithoutDetaching,
// syncWithPivotValues, updateExistingPivot and toggle, with Laravel's
// semantics, and touch, which sets the related rows' updated_at. It also
// writes related rows through the relation (save, saveMany, create,
// createMany, firstOrCreate, updateOrCreate, createOrFirst, and the reads
// findOrNew and firstOrNew), each in one transaction.
//
// Every function takes the context, an executor, a
// [rel.BelongsToManyRelation] and the parent, so only a belongsToMany
// relation compiles there:
//
//	var UserRoles = rel.BelongsToMany[User, Role]().WithPivot("active").WithTimestamps()
//
//	err := pivot.Attach(ctx, db, UserRoles, &user, 1)                                // one key
//	err = pivot.Attach(ctx, db, UserRoles, &user, 2, map[string]any{"active": false}) // with pivot columns
//	err = pivot.Attach(ctx, db, UserRoles, &user, []int64{3, 4})                     // one INSERT
//	n, err := pivot.Detach(ctx, db, UserRoles, &user, []int64{1, 2})                 // rows deleted
//	n, err = pivot.DetachAll(ctx, db, UserRoles, &user)                              // all of user's rows
//	ch, err := pivot.Sync(ctx, db, UserRoles, &user, []int64{1, 2, 3})
//	ch, err = pivot.Sync(ctx, db, UserRoles, &user, map[int64]map[string]any{1: {"active": true}, 2: {}})
//	ch, err = pivot.SyncWithoutDetaching(ctx, db, UserRoles, &user, []int64{5})
//	ch, err = pivot.SyncWithPivotValues(ctx, db, UserRoles, &user, []int64{1, 2}, map[string]any{"active": true})
//	n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, &user, 1, map[string]any{"active": false})
//	tg, err := pivot.Toggle(ctx, db, UserRoles, &user, []int64{1, 4})                // tg.Attached, tg.Detached
//	n, err = pivot.Touch(ctx, db, UserRoles, &user)                                  // roles' updated_at
//
//	err = pivot.Save(ctx, db, UserRoles, &user, &role, map[string]any{"active": true}) // save, then attach
//	role, err := pivot.Create(ctx, db, UserRoles, &user, Role{Name: "ops"})
//	role, err = pivot.FirstOrCreate(ctx, db, UserRoles, &user, map[string]any{"name": "ops"}, nil, nil)
//
// # Writes through the relation
//
// [Save], [SaveMany], [Create], [CreateMany], [FirstOrCreate],
// [UpdateOrCreate] and [CreateOrFirst] write the related row with package
// query's writes (Save, InsertMany, Update, …) and attach it with
// [Attach]'s rules (timestamps, WithPivotValue, attribute names), as
// Laravel's BelongsToMany methods of those names do, with one difference:
// each call is atomic. It runs in one transaction (a savepoint when ex is
// a [*sqlt.Transaction]), so a failed attach rolls back the related save
// and leaves the caller's transaction usable; Laravel saves, then
// attaches, and keeps the saved row when the attach fails. CreateOrFirst
// runs its INSERT and its fallback attach in savepoints of their own, so
// that on PostgreSQL the transaction goes on after a unique violation
// ([sqlt.IsUniqueViolation]). FirstOrCreate, UpdateOrCreate and
// CreateOrFirst read before they write: on PostgreSQL and MySQL they first
// take the parent's lock (see Concurrency). On MySQL a failed statement
// does not abort the transaction, but CreateOrFirst uses the same
// savepoints there.
//
// Where to look, by case (an "unrelated" row exists in the related table
// but is not attached to the parent):
//
//	call            attached          unrelated               absent
//	Save            saved, attached   saved, attached         inserted, attached
//	                again (refused by a unique pivot index)
//	FindOrNew       the row           a new, blank C          a new, blank C
//	FirstOrNew      the row           the row, not attached   a new C of attrs, values
//	FirstOrCreate   the row           attached with joining   inserted, attached
//	CreateOrFirst   the row (reread)  attached with joining   inserted, attached
//	UpdateOrCreate  updated           attached, updated       inserted, attached
//
// FirstOrNew searches the whole related table, not the relation (Laravel's
// behaviour), and so may return a row that is not attached; FindOrNew
// searches the relation. A query of package query on a belongsToMany
// relation refuses these calls, naming the function here to use.
//
// Returned models carry their pivot field where relkit knows it without
// another statement: a row read through the relation has the pivot
// columns it was read with, a row just attached has the pivot row written
// (the two keys, timestamps, WithPivotValue values and the attributes,
// among the columns a read selects; a column the database fills by
// default is left out), and a row read from the related table alone
// (FirstOrNew) has none. The pivot row is never updated: use
// [UpdateExistingPivot].
//
// # Keys
//
// Wherever ids are taken, they may be a single key, a slice or array of
// keys (any integer width, or strings), related models (Role, *Role,
// []Role, []*Role: their related key is used), a map key → pivot
// attributes (map[int64]map[string]any, taken in ascending key order), or
// a slice of [Record] (the same, in your order). Keys are normalised: a
// key given twice counts once, and a string "2" for an integer key is the
// integer 2. [Changes] reports keys as int64 for integer keys (whatever
// their Go width) and string for string keys. On PostgreSQL, string keys
// for a uuid column compare in the uuid's canonical form: any spelling
// PostgreSQL accepts (upper case, braces, no hyphens) is the stored key,
// two spellings of one uuid count once, and [Changes] reports the stored
// form (lower case, 8-4-4-4-12); on SQLite a text key compares as given.
// relkit compares the keys it reads with the keys given byte for byte, and
// the database compares them under the column's collation: on MySQL a
// varchar is case-insensitive by default (utf8mb4_general_ci,
// utf8mb4_0900_ai_ci), so 'ABC' and 'abc' are one key to the server but
// two to relkit. Then [Sync] given 'ABC' for a stored 'abc' detaches 'abc'
// and attaches 'ABC' (the row now holds the spelling given, as on SQLite
// and PostgreSQL), [Attach] and [SyncWithoutDetaching] of 'ABC' fail with
// the unique violation of the pivot's key (1062, [sqlt.IsUniqueViolation];
// duplicate rows without one), and [Detach] of 'ABC' deletes 'abc'.
// Declare string key columns with a binary collation (utf8mb4_bin,
// ascii_bin) for the comparison of the other databases. A kept key counts as
// updated only when its attributes changed the stored row. Floats, structs of another type and NULL keys fail
// with [rel.ErrUnsupportedKey]; a parent or model whose key is NULL or
// zero (never saved) fails with [ErrNoKey]. Nothing runs in either case.
//
// # Typed keys
//
// [Keys] returns a handle of the relation whose related keys have a Go
// type of your choosing; its methods take ids as a []K and report
// [ChangesOf] and [Toggled] with keys of type K, so that a key of the
// wrong type does not compile:
//
//	var userRoles = pivot.Keys[int64](UserRoles)
//
//	ch, err := userRoles.Sync(ctx, db, &user, []int64{1, 2}) // ch.Attached is a []int64
//	tg, err := userRoles.Toggle(ctx, db, &user, []int64{2, 3})
//	userRoles.Sync(ctx, db, &user, []string{"admin"})         // does not compile
//
// K must suit the related key column: an integer type for an integer key
// (keys read from the database are converted to it), a string type for a
// string key, a string or uuid type (pgtype.UUID, any Valuer) for a uuid
// key; otherwise every method fails with [rel.ErrUnsupportedKey] before
// any statement. The handle takes keys only: the map and [Record] forms,
// which give each key its pivot attributes, and models as ids stay on the
// untyped functions, whose results ([Changes], Toggled[any]) hold the
// normalised keys.
//
// # Pivot columns, timestamps and filters
//
// The relation decides what is written besides the two keys: under
// WithTimestamps, created_at and updated_at are set to the current time
// (UTC, truncated to microseconds) on attach and updated_at on update;
// WithPivotValue values are written on attach. Attributes are written as given: their names are pivot column
// names and must be plain identifiers.
//
// The relation's recorded pivot filters (WherePivot…, WithPivotValue)
// restrict which rows [Detach], [DetachAll], [Sync], [Toggle],
// [UpdateExistingPivot] and [Touch] touch, as Laravel's newPivotQuery does: a
// relation declared with WherePivot("active", true) only detaches and
// syncs active rows.
//
// # Statements and transactions
//
// [Attach] is one multi-row INSERT; [Detach], [DetachAll] and
// [UpdateExistingPivot] one statement each; [Sync] reads the current keys
// (one SELECT, which also tells, for kept keys given attributes, whether
// their row differs), deletes the unwanted ones (one DELETE), inserts the
// new ones (one INSERT) and updates the kept rows that differ (one UPDATE
// per distinct attribute map), whatever the number of keys, and sends no
// write that would change nothing. [Toggle] is the same SELECT, one DELETE
// and one INSERT, run by the same code (transaction, savepoint and lock
// included); [Touch] is one UPDATE of the related table. On PostgreSQL those writes are one
// statement (data-modifying CTEs). [SyncMany] does the same for many
// parents in the same number of statements. Large key lists
// stay one statement: PostgreSQL gets an array parameter, SQLite and MySQL
// a JSON array, and inserts are split only to stay under the bound-parameter
// limit. Every operation that issues more than one statement runs in one
// transaction, joining the caller's when the executor is a
// [*sqlt.Transaction], with a savepoint around the writes when there are
// two or more: a failure part-way leaves the pivot table as it was, and
// the caller's transaction usable. One write runs without a savepoint (it
// cannot fail part-way): on SQLite and MySQL its failure undoes only itself; on
// PostgreSQL it aborts the caller's transaction, as any failed statement
// does there, the lock's and the SELECT's included — roll back, and retry
// if you wish. On PostgreSQL the writes of a sync are one statement, so
// only a sync split at the bound-parameter limit, or updating kept rows
// with more than 32 distinct attribute maps, takes a savepoint. On
// PostgreSQL every write runs in a transaction that first takes the
// parent's lock (one more statement, see Concurrency), and so on MySQL
// (see MySQL and MariaDB).
//
// # Concurrency
//
// Concurrent writes to one parent's pivot rows ([Attach], [Detach],
// [DetachAll], [Sync], [SyncWithoutDetaching], [SyncWithPivotValues],
// [SyncMany], [Toggle], [UpdateExistingPivot], [FirstOrCreate],
// [UpdateOrCreate], [CreateOrFirst], from any number of goroutines or processes) are
// serializable: the rows they leave are those of running them one after
// the other in some order, none fails with a constraint error that order
// would not give (two Attach calls of one key on a unique pivot still
// fail, as they would in turn), and no row is duplicated. Other parents'
// writes do not wait.
//
// On PostgreSQL each write first takes, in its own statement, a
// transaction-scoped advisory lock, pg_advisory_xact_lock on
// hashtextextended of the pivot table, the foreign pivot key column and
// the parent's key, held until the transaction ends — the caller's
// transaction when ex is one, so keep such transactions short, and lock
// several parents in one order to avoid deadlocks (PostgreSQL reports one
// as SQLSTATE 40P01). The lock needs no row and no unique index; it shares
// the single-bigint advisory lock space with the application's own. The
// guarantee assumes READ COMMITTED (PostgreSQL's default): in a caller's
// REPEATABLE READ or SERIALIZABLE transaction the read uses the
// transaction's snapshot, and a conflict surfaces as a serialization
// failure to retry.
//
// On SQLite a writing transaction holds the database's write lock from
// BEGIN IMMEDIATE, which [sqlt.Open] uses for a file database; an
// in-memory database has a single connection. A handle built with
// [sqlt.FromDB] on a file DSN of your own needs _txlock=immediate (and a
// busy timeout) for the same guarantee: with a deferred BEGIN, concurrent
// syncs fail with "database is locked" instead.
//
// The lock is the parent's, as seen from the relation written through:
// writes to the same pivot rows through the inverse relation at the same
// moment (syncing user 1's roles while syncing role 5's users) take
// different locks on PostgreSQL, and two of them attaching the same pair
// can still fail with a unique violation (23505) that running them in turn
// would not give. Write one pivot table through one side, or retry on
// 23505.
//
// # MySQL and MariaDB
//
// MySQL has no transaction-scoped advisory lock (GET_LOCK's locks belong
// to the session and outlive a rollback), so there the parent's lock is
// its row: each write first reads the parents' rows "for update", in the
// order of their key, one statement as on PostgreSQL, and holds the
// exclusive row locks until the transaction ends. The parent's table must
// exist; a parent without a row locks nothing (a foreign key, where
// declared, then refuses the write). Writers of one parent's pivot rows
// through other relations wait for each other too. relkit's own
// transactions are READ COMMITTED (each statement reads the rows committed
// before it, and InnoDB takes no gap locks, which under its default
// REPEATABLE READ make writers of neighbouring parents deadlock), and are
// run again, up to five times, after a deadlock (1213) or a lock wait
// timeout (1205): InnoDB locks the rows a DELETE or UPDATE scans through
// the index it picks, which on a pivot table whose key does not begin
// with the foreign pivot key may hold other parents' rows. In a caller's
// transaction the read of [Sync] is a locking read ("for update"), so
// that it sees the rows committed by the writer that held the lock before
// it whatever the isolation level; a deadlock there rolls the caller's
// transaction back (retry it with [sqlt.TxOptions].MaxRetries). MySQL has
// no UPDATE … RETURNING: the read tells which kept rows differ
// ("not (col <=> ?)", NULLs compared as values), so [Changes] stays exact.
// Long key lists are one JSON array read by json_table; the DELETE and
// UPDATE that take one use MySQL's multi-table form, which MariaDB plans
// as a semi-join. A boolean column is tinyint(1) and reads back as an
// integer. String keys compare under the column's collation (see Keys),
// and so do a kept row's attributes: on a case-insensitive column an
// attribute that differs from the stored value only in case (or, under a
// PAD SPACE collation, in trailing spaces) is equal, so [Sync] neither
// writes it nor reports the key as updated; [UpdateExistingPivot] writes
// it.
//
// Keys are compared as the database stores them only where relkit reads
// them first ([Sync] and its variants canonicalise uuid spellings, see
// Keys): [Attach] inserts what it is given, so two spellings of one uuid in
// one Attach are two rows to PostgreSQL's unique index (23505), as they
// are in Laravel.
package pivot
