// Package load eager-loads relations into plain structs: the end of the
// N+1 problem. Given the rows you already have, it fills their relation
// fields with one statement per relation per level, however many rows
// there are.
//
// # Loading relations
//
// Declare relations with package rel, fetch parents with package query
// (or any other way), then call [With]:
//
//	var (
//		UserPosts    = rel.HasMany[User, Post]()
//		UserPhone    = rel.HasOne[User, Phone]()
//		PostComments = rel.HasMany[Post, Comment]()
//	)
//
//	users, err := query.From[User]().Get(ctx, db)
//	err = load.With(ctx, db, users, UserPosts, UserPhone)
//
// runs two statements, whatever len(users) is:
//
//	select "posts"."id", "posts"."user_id", "posts"."title" from "posts" where "posts"."user_id" in (?, ?, ?)
//	select "phones"."id", "phones"."user_id", "phones"."number" from "phones" where "phones"."user_id" in (?, ?, ?)
//
// On PostgreSQL the keys travel as one array parameter ("user_id" =
// any($1)), so the SQL text is the same for any number of keys. On SQLite
// up to 500 keys are bound one by one and longer lists travel as one JSON
// array read with json_each, so a load of 100,000 parents is still one
// statement and never meets SQLite's bound-parameter limit.
//
// Parents may be a []P, a []*P, a *[]P or a single *P. Loading again
// replaces what was loaded (Sutando's load() on fetched models). To-many
// fields get a non-nil slice ([] in JSON, not null); to-one fields get the
// row, the relation's WithDefault value, or nil.
//
// # Loading what is missing
//
// [Missing] (Laravel's loadMissing) loads only the relations that are not
// loaded yet, level by level, and then descends into every parent's
// values, loaded before or now:
//
//	posts, err := query.From[Post]().With(load.Eager(PostComments)).Get(ctx, db)
//	err = load.Missing(ctx, db, posts, load.Nested(PostComments, CommentImages))
//
// runs one statement (the images): the comments are loaded already. The
// rule for "loaded", on plain structs: a to-many field ([]C, []*C) is
// loaded unless it is nil, a non-nil empty slice included (loads write
// non-nil slices, so whatever a load wrote counts as loaded); a to-one
// pointer (*C) is loaded unless nil, so a relation that found no row is
// asked again, with those parents' keys only (a NULL key sends none); a
// to-one value (C) is loaded unless it is the zero value. WithDefault
// values count as loaded and are not descended into (never saved, their
// keys are zero). Values already loaded are left exactly as they are.
// Each level runs one statement if one of its not-loaded parents has a
// key, none otherwise; [MissingPaths] takes string paths as [Paths] does,
// and an unknown one is a [*PathError] before any statement. Nothing is
// written unless every statement succeeds.
//
// # Back-references
//
// A relation declared with rel's Chaperone sets, on each child loaded,
// the back-reference to its parent: &parents[i] for a []P, the element
// for a []*P, and for a nested level the parent where the level above
// holds it (in a slice, behind a pointer or in a to-one value field). No
// statement is added. Tag the back-reference json:"-": the
// parent and its children form a cycle (see package rel).
//
// # Specs
//
// Besides plain relations, [With] takes specs built from them, in any
// combination:
//
//   - [Nested] loads a chain level by level (with('posts.comments.images')):
//     load.Nested(UserPosts, PostComments, CommentImages).
//   - [Columns] reads chosen columns (with('author:id,name')); the keys
//     that stitching and nested levels need are added for you.
//   - [Where] narrows the related query with the typed builder
//     (with({posts: q => q.where(…)})):
//     load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] { return q.OrderByDesc("votes") }).
//   - [Morph] loads a morphTo (rel.MorphTo) with per-type settings
//     (Laravel's morphWith, constrain, morphWithCount): [On] gives a
//     target type the relations to load on its rows and, with
//     OnSpec.Where, a constraint (or an aggregate such as
//     agg.WithCount) on its statement:
//     load.Morph(CommentCommentable, load.On[Post](PostAuthor), load.On[Video]().Where(…)).
//     The morphTo runs one statement per target type present, each
//     type's relations one per level over that type's targets; given to
//     [Missing], targets already loaded are kept and only what they miss
//     is loaded (Laravel's loadMorph).
//
// A constraint on a nested level goes inside the chain:
// load.Nested(UserPosts, load.Where(PostComments, …)).
//
// # Per-parent limits
//
// Limit and Offset in a [Where] constraint apply to each parent's rows,
// as in Laravel: every user gets their own three newest posts, in one
// statement whatever the number of users:
//
//	load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
//		return q.OrderByDesc("created_at").Limit(3)
//	})
//
//	select * from (select "posts"."id", …, row_number() over (partition by "posts"."user_id"
//	  order by "posts"."created_at" desc, "posts"."id") as "relkit_row" from "posts"
//	  where "posts"."user_id" in (?, ?)) as "relkit_table" where "relkit_row" <= 3 order by "relkit_row"
//
// This works for hasMany and hasOne (partitioned by the foreign key),
// belongsToMany (by the pivot's foreign key; the relation's OrderByPivot
// comes first in the window) and hasManyThrough and hasOneThrough (by the
// through table's first key, "users"."country_id"). Rules:
//
//   - Ties are broken by the related primary key, ascending, which alone
//     orders the rows when the constraint gives no order, so pages are the
//     same on every database (Laravel leaves ties to the database).
//   - Offset(m) skips each parent's first m rows, with or without a Limit
//     (Laravel applies an Offset alone to the whole statement).
//   - Nested relations load on the limited rows only; [Columns] works as
//     without a limit.
//   - A Limit or Offset on a belongsTo relation is an error matching
//     query.ErrBadArgument before any statement (each child has one
//     owner; Laravel silently limits the whole statement), as it is in an
//     aggregate's constraint (package agg).
//   - SQLite before 3.25 has no window functions: the load fails with
//     query.ErrUnsupported naming the version, rather than dropping the
//     limit. The SQLite that go-sqlite3 bundles is newer; the version is
//     that of the library linked into the program, read once.
//   - query.Related(UserPosts, &user).Limit(2) stays a plain LIMIT.
//
// # String paths
//
// For includes chosen at run time, [Paths] resolves dotted names through
// the relation registry, with an optional column list for the last one:
//
//	err := load.Paths(ctx, db, books, "author.contacts", "publisher:id,name")
//
// Unknown relations, unmapped columns and malformed paths are rejected
// with a [*PathError] before any statement runs, as are paths of more than
// [MaxPathDepth] relations ([ErrTooDeep]). Paths loads any relation
// declared on the way, so it is for paths your code writes.
//
// # Serving ?include=
//
// A client's includes go through an allow-list, built once with [Allow]:
//
//	var bookIncludes = load.Allow[Book]("author.contacts", "publisher:id,name")
//
//	func listBooks(w http.ResponseWriter, r *http.Request) {
//		books, err := query.From[Book]().Get(ctx, db)
//		…
//		err = bookIncludes.Load(ctx, db, books, r.URL.Query()["include"]...)
//		if errors.Is(err, load.ErrNotAllowed) || errors.Is(err, sqlt.ErrInvalidIdentifier) {
//			http.Error(w, err.Error(), http.StatusBadRequest)
//			return
//		}
//		…
//	}
//
// A client may ask for a listed path or a prefix of one ("author"); a path
// listed with columns permits only those columns (a client's "publisher"
// reads id and name; "publisher:city" is refused). Anything else —
// author.books.author…, a relation not listed, a column not permitted —
// is a [*PathError] matching [ErrNotAllowed] before any statement, and
// the error names the path but not the relations the model has. The list
// bounds the work a request can cause: each listed relation loads at most
// once per call, whatever the client sends. [Allowed.Parse] gives a
// loader for query.Query.With instead. Counts (?with_count=) have their
// own allow-list, agg.Allow.
//
// # From a query
//
// [Eager] and [PathsLoader] make loaders for query.Query.With, so loading
// can be written on the query:
//
//	books, err := query.From[Book]().With(load.Eager(BookAuthor)).Get(ctx, db)
//
// [Refresh] reloads one model by primary key and loads relations on it
// again.
package load
