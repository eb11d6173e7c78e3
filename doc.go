// Package relkit brings Eloquent-style relationships (the feature set of
// the Node.js ORM Sutando) to plain Go structs, with generics: declare
// relations as typed values next to your types, then query, load,
// aggregate and sync through them, on SQLite or PostgreSQL.
//
// This root package holds only documentation and runnable examples. The
// code lives in these packages; rel and query build on sqlt, and load, agg
// and pivot build on those and import none of each other:
//
//   - [github.com/relkit/relkit/sqlt]: the execution layer — Open for
//     SQLite ("sqlite::memory:", "file:app.db") and PostgreSQL (pgx, native),
//     adapters over database/sql and pgx handles, the dialects (the only
//     place that knows how a database quotes identifiers, binds key lists,
//     returns keys and upserts), scanning, transactions with savepoints,
//     query hooks, errors.
//   - [github.com/relkit/relkit/rel]: relation declarations —
//     rel.HasOne, rel.HasMany, rel.BelongsTo, rel.BelongsToMany,
//     rel.HasOneThrough, rel.HasManyThrough — with their
//     keys, defaults and pivot options, the registry that resolves
//     relation names in string paths, and the start-up checks rel.Check
//     and rel.CheckSchema.
//   - [github.com/relkit/relkit/query]: the typed query builder
//     query.From[T]() — reads, writes, relation-scoped queries
//     (query.Related, query.GetOne, query.GetMany).
//   - [github.com/relkit/relkit/load]: eager loading of relations into
//     fetched rows, one statement per relation per level — load.With,
//     load.Nested, load.Where, load.Columns, string paths with load.Paths,
//     and client includes checked against an allow-list, load.Allow.
//   - [github.com/relkit/relkit/agg]: aggregates of related rows —
//     agg.WithCount, agg.WithSum and siblings as select columns, and the
//     deferred agg.LoadCount … on fetched rows.
//   - [github.com/relkit/relkit/pivot]: many-to-many writes with Laravel's
//     semantics — pivot.Attach, pivot.Detach, pivot.Sync and siblings.
//
// Everything these packages share lives under internal/, out of the public
// API: the struct mapping and scanner (internal/schema), SQL text and the
// dialect-neutral identifier form (internal/sqltext), the immutable
// metadata of declared relations (internal/relmeta), the one key module
// (internal/keys) and the one renderer of relation statements
// (internal/render).
//
// A minimal session:
//
//	var (
//		UserPosts    = rel.HasMany[User, Post]()
//		UserRoles    = rel.BelongsToMany[User, Role]()
//		PostComments = rel.HasMany[Post, Comment]()
//	)
//
//	db, err := sqlt.Open(ctx, "sqlite::memory:")
//	…
//	users, err := query.From[User]().Where(sq.Gt{"id": 10}).Get(ctx, db)
//	posts, err := query.Related(UserPosts, &users[0]).Get(ctx, db)
//	err = load.With(ctx, db, users, UserPosts)
//	posts, err = query.From[Post]().Apply(agg.WithCount(PostComments)).Get(ctx, db)
//	changes, err := pivot.Sync(ctx, db, UserRoles, &users[0], []int64{1, 2})
//
// See the examples below and README.md for a tour.
package relkit
