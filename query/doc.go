// Package query is relkit's typed query builder over squirrel: reads,
// writes, relation-scoped queries and relation existence conditions.
//
// # Building and running
//
//	posts, err := query.From[Post]().
//		Where(sq.Gt{"votes": 10}).
//		OrderByDesc("created_at").
//		Limit(20).
//		Get(ctx, db)
//
// [From] starts a [Query] on T's table. Queries are immutable: every method
// returns a new value, so a base query can be shared. Conditions are
// squirrel Sqlizers (sq.Eq, sq.Gt, sq.Or, sq.Expr …) or the validated
// helpers ([Query.WhereOp], [Query.WhereIn], [Query.WhereNull],
// [Query.WhereBetween], [Query.WhereGroup]); raw SQL goes through the Raw
// variants. Column names given as strings (Select, OrderBy, GroupBy, the
// Where helpers, attribute maps) are checked against T's mapping, so a
// string such as "id; drop table posts" is rejected before any statement
// runs (sqlt.ErrInvalidIdentifier; a name T does not map is
// sqlt.ErrUnknownColumn). Values are always bound parameters.
//
// # Columns read
//
// Without [Query.Select] a query reads T's mapped columns by name
// (`select "posts"."id", "posts"."title", …`),
// never "table".*, so a column added to the table does not break it; the
// same holds for relation reads, eager loads and aggregates' parent rows.
// A readonly field is read only when the query supplies it (an aggregate's
// alias, a Select); a field tagged "generated" is a table column the
// database maintains and is always read. Existence subqueries ([Has],
// [WhereHas]) keep "exists (select * …)": their columns are never read.
//
// # Raw SQL fragments
//
// Raw SQL (squirrel conditions given to Where, OrWhere, Having and Scope,
// WhereRaw, SelectRaw and AddSelect, OrderByRaw, Join, and a relation's
// Where in package rel) is rendered and checked once, when it enters the
// builder, with [sqlt.CheckFragment]: outside 'string literals' and
// "quoted identifiers" it may hold no comment ("--", "/*"), no ";", no ")"
// without its "(" (nor a "(" left open) and no unterminated quote, so
// nothing written after it (the relation's key condition, your next Where,
// Find's key, a LIMIT) can be commented out, cut off or escaped. A refused
// fragment makes the query fail with an error matching
// sqlt.ErrUnsafeFragment that quotes it, before any statement runs; the
// parts of sq.And, sq.Or and the column names of sq.Eq-style maps are
// checked one by one. Comment characters inside literals ('a--b') and
// quoted identifiers ("x;y") are fine. Conditions are still put in
// parentheses where an OR could bind looser than the AND around them.
//
// Reads: [Query.Get], [Query.First], [Query.Find], [Query.FindMany],
// [Query.Count], [Query.Exists], [Pluck], and [Query.Iter] to stream a
// large result. Writes: [Query.Insert] (fills the generated key),
// [Query.InsertMany] (batched, one transaction), [Query.Update],
// [Query.Save], [Query.SaveMany], [Query.Upsert], [Query.UpsertMany],
// [Query.Delete], [Query.UpdateAll], [Query.DeleteAll],
// [Query.FirstOrNew], [Query.FirstOrCreate], [Query.UpdateOrCreate],
// [Query.FindOrNew]; created_at and updated_at are maintained where the
// struct has them.
//
// The many-row writes take the rows as a []T (InsertMany, SaveMany,
// UpsertMany) or a []*T ([Query.InsertManyPtrs], [Query.SaveManyPtrs],
// [Query.UpsertManyPtrs]), so a slice of another type does not compile;
// keys and timestamps are stored into the caller's elements. Without rows
// they run no statement and return nil; a nil element of a []*T fails
// with sqlt.ErrNilValue before any statement.
//
// # Failed writes
//
// A write that fails (a constraint, a cancelled context, a lost
// connection, …) leaves the caller's structs as they were before the call:
// the generated keys, the foreign keys set through a relation and the
// timestamps it had set are put back, for every row of InsertMany,
// SaveMany and UpsertMany (and every model of [Push]), so that a retry runs the same
// statements as the first attempt. Column names and values of FirstOrNew,
// FirstOrCreate, UpdateOrCreate and FindOrNew are checked before any
// statement runs.
//
// relkit cannot see a transaction of the caller that is rolled back after a
// write succeeded inside it: the structs then keep their keys and
// timestamps although the rows are gone. Discard them, or keep a copy to
// go back to, when you roll back your own transaction.
//
// # Relations
//
// [Related] scopes a query to one parent's related rows (Sutando's
// user.related('posts')):
//
//	posts, err := query.Related(UserPosts, &user).Where(sq.Eq{"active": 1}).Get(ctx, db)
//
// The relation's scope is kept apart from your conditions: Where(a).OrWhere(b)
// renders `scope and (a or b)`. This deliberately differs from Sutando,
// whose documentation warns that orWhere escapes the relation. Writes on a
// related query set the foreign key ([Query.Create], [Query.Save],
// [Query.FirstOrCreate] …). [GetOne] and [GetMany] return the related
// value(s) in one call, honouring WithDefault.
//
// Existence conditions filter parents by their relations (see Has and
// WhereHas in this package); eager loading lives in package load and
// aggregates in package agg, which plug in through [Query.With] and
// [Query.Apply].
//
// # Touching parents
//
// A belongsTo or belongsToMany relation declared with Touches (Laravel's
// $touches) makes every write of its declaring model through relkit set
// the owner's updated_at:
//
//	var CommentPost = rel.BelongsTo[Comment, Post]().Touches()
//
//	err := query.From[Comment]().Insert(ctx, db, &comment)
//	// insert into "comments" …
//	// update "posts" set "updated_at" = ? where "posts"."id" = ?
//
// Touches records the relation under the declaring type (Comment), apart
// from the registry of names; every write of a Comment looks the type up,
// so a plain query.From[Comment]().Insert finds CommentPost. The writes
// that touch are Insert, InsertMany, Create, CreateMany, Update, Save,
// SaveMany, Upsert, UpsertMany, Delete, the writing branch of
// FirstOrCreate and UpdateOrCreate, the same writes on a relation query,
// [Push], and pivot writes (see package pivot). UpdateAll and DeleteAll do
// not touch, like Laravel's query-builder updates.
//
//   - The owner is found by the written struct's foreign key (for Delete,
//     the deleted struct's); a NULL key touches nothing. The timestamp is
//     the one the write stamped its own rows with.
//   - Touching is transitive (comment → post → user), one statement per
//     hop, each selecting the owners of the rows the hop before updated:
//     update "users" set "updated_at" = ? where "users"."id" in (select "posts"."user_id" from "posts" where "posts"."id" = ?).
//     A relation already touched in the write is not touched again (the
//     cycle guard), and a hop that updated no row ends its chain.
//   - The write and its touches are atomic: one transaction, or a
//     savepoint inside the caller's. A write of a model without touching
//     relations sends exactly the statements it sends without them.
//   - Plain structs have no dirty state, so every Update or Save touches
//     when its statement matched a row, even with no change (Laravel
//     touches only when the model was dirty).
//
// A morphTo declared with Touches touches the target its type and id
// columns point at, in the target type's table:
//
//	var CommentCommentable = rel.MorphTo[Comment]("commentable", rel.Target[Post](), rel.Target[Video]()).Touches()
//	// a write of comments on posts 1 and 2 and video 1:
//	// update "posts" set "updated_at" = ? where "posts"."id" in (?, ?)
//	// update "videos" set "updated_at" = ? where "videos"."id" = ?
//
// Its rules:
//
//   - One statement per target type present among the written rows, in
//     order of first appearance. A row with an empty or NULL type, or a
//     NULL id, touches nothing; a type that is the alias of no target
//     fails the write with a *rel.UnknownMorphTypeError, and the write is
//     rolled back.
//   - The chain goes on through the target's own touching relations. A
//     morphTo further down a chain (reply → image → its post or video)
//     runs one statement per declared target type, selecting by the
//     touched rows' type column in a subquery; those rows are not read,
//     so an unknown type there matches no branch instead of failing.
//   - WithoutTouchingOn[Video] suspends the videos' statement (and what
//     lies past the videos) only.
//
// [WithoutTouching] and [WithoutTouchingOn] suspend touching for the
// writes under a context (Laravel's Model::withoutTouching, which is a
// process-wide flag); [Touch] touches a relation's rows explicitly, and
// [TouchMorph] a morphTo's target ($comment->commentable()->touch()).
package query
