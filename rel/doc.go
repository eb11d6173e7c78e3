// Package rel declares relations between plain Go structs: Eloquent's
// (and Sutando's) hasOne, hasMany, belongsTo and belongsToMany, and
// Eloquent's hasOneThrough and hasManyThrough, as typed, immutable values. rel only describes; the packages above it run the
// relations: [github.com/relkit/relkit/query] (relation-scoped queries,
// writes, existence, push), [github.com/relkit/relkit/load] (eager
// loading), [github.com/relkit/relkit/agg] (aggregates) and
// [github.com/relkit/relkit/pivot] (many-to-many writes).
//
// # Declaring relations
//
// Models are plain structs mapped by package sqlt (db tags, snake_case
// plural table names, "id" primary key). A relation is a package-level
// variable made by one of four generic constructors; the first type
// parameter is always the model the relation is declared on:
//
//	type User struct {
//		ID    int64   `db:"id"`
//		Name  string  `db:"name"`
//		Phone *Phone  `db:"-"` // where relations are loaded: not columns
//		Posts []Post  `db:"-"`
//		Roles []Role  `db:"-"`
//	}
//
//	var (
//		UserPhone  = rel.HasOne[User, Phone]()         // phones.user_id = users.id
//		UserPosts  = rel.HasMany[User, Post]()         // posts.user_id = users.id
//		PostAuthor = rel.BelongsTo[Post, User]()       // posts.user_id → users.id
//		UserRoles  = rel.BelongsToMany[User, Role]()   // through role_user(user_id, role_id)
//	)
//
// Keys follow Sutando's conventions and may be overridden positionally, in
// Sutando's order:
//
//   - [HasOne] and [HasMany]: foreign key on the child (default
//     snake(P)+"_id"), then local key on the parent (default its primary
//     key): rel.HasOne[User, Phone]("owner_ref", "ref").
//   - [BelongsTo]: foreign key on the declaring model (default
//     snake(C)+"_id"), then owner key on the owner (default its primary
//     key): rel.BelongsTo[Comment, Post]("post_slug", "slug").
//   - [BelongsToMany]: pivot table (default the two singular snake names
//     sorted and joined, "role_user"), foreign pivot key ("user_id"),
//     related pivot key ("role_id"), then the parent and related keys.
//   - [HasManyThrough] and [HasOneThrough], in Laravel's order (see
//     "Through relations" below).
//
// Each kind is its own type ([HasOneRelation], [HasManyRelation],
// [BelongsToRelation], [BelongsToManyRelation], [HasOneThroughRelation],
// [HasManyThroughRelation]), so an operation that fits
// one kind only — Associate on a belongsTo, pivot.Sync on a belongsToMany —
// does not compile for another. Functions that accept any relation take
// [Relation], [Of], [Typed], [ToOne] or [ToMany].
//
// Key columns must be mapped and hold comparable Go types: every integer
// type compares with every other (an int primary key against an int64
// foreign key just works; sql.NullInt64 and *int64 too), and strings with
// strings. An int against a string, a float or a bool is rejected at
// declaration with [ErrUnsupportedKey]; key names that are not plain
// identifiers ("x; drop table y") with sqlt.ErrInvalidIdentifier.
//
// # Destination fields and names
//
// A relation loads into the field of P whose type is C or *C (to-one) or
// []C or []*C (to-many). When there are several such fields, choose one
// with Field ([HasManyRelation.Field]); when there is none, the relation
// still works for queries, but loading it fails with [ErrNoDestination]. A
// field named with Field that cannot hold C fails at declaration.
//
// The relation's name is the snake_case of its field ("Posts" → "posts"),
// or the one given with Named. String paths ("posts.comments") and
// aggregate aliases ("comments_count") use it.
//
// # Builders: constraints, defaults, pivots
//
// Builder methods return a new relation and leave the receiver unchanged,
// so a declared relation is immutable and safe for concurrent use:
//
//	ActivePosts = UserPosts.Where(sq.Eq{"active": true}).Named("active_posts")
//	PostAuthor  = rel.BelongsTo[Post, User]().WithDefault(User{Name: "Guest Author"})
//	UserRoles   = rel.BelongsToMany[User, Role]().WithPivot("active").WithTimestamps()
//
// The builders:
//
//   - Where constrains the related rows wherever the relation is used:
//     reading, eager loading, existence tests, aggregates and pivot writes.
//     Each condition is rendered once, at declaration, and must be a
//     self-contained SQL fragment: outside quotes no comment ("--", "/*"),
//     no ";", no unbalanced parenthesis or quote (see
//     sqlt.CheckFragment). Otherwise every use of the relation fails with
//     sqlt.ErrUnsafeFragment before any statement runs, since such a
//     fragment could comment out or escape the key condition after it.
//   - WithDefault (hasOne, belongsTo and hasOneThrough) yields a default instead of nil
//     when no row exists: the zero C (WithDefault()), a copy of a value
//     (WithDefault(v)), or the result of a function of the parent
//     (WithDefaultFunc). A hasOne default carries the parent's key in its
//     foreign key; a belongsTo whose foreign key is NULL runs no statement.
//   - WithPivot, WithTimestamps, As, WithPivotValue, WherePivot… and
//     OrderByPivot shape belongsToMany relations. Pivot columns are read
//     into the related model's Pivot field (or the field named by As), of
//     type map[string]any or a struct. A map holds each value as the
//     driver reads it into an any: a MySQL boolean (tinyint(1)) is then
//     int64 0 or 1, text a string; a struct field gets the Go type it
//     declares on every database.
//   - Chaperone (hasOne and hasMany) sets a back-reference from every
//     child to its parent; see below.
//   - LatestOfMany, OldestOfMany, OfMany and OfManyBy (hasOne and
//     hasOneThrough) keep one row of many; see "One of many".
//
// # Chaperone: back-references to the parent
//
// [HasManyRelation.Chaperone] (Laravel's chaperone, or inverse) takes the
// mirrored belongsTo relation; the compiler checks the types:
//
//	CommentPost  = rel.BelongsTo[Comment, Post]()
//	PostComments = rel.HasMany[Post, Comment]().Chaperone(CommentPost)
//
// Every Comment the relation yields then has its Post field pointing at
// the parent it was read for, with no statement added: in load.With and
// load.Missing (the pointer into the caller's slice: &posts[i] for a
// []Post, the element for a []*Post, a nested level's parent where the
// level above holds it: in its slice, behind its pointer or in its value
// field), in query.GetOne, query.GetMany and the reads
// of query.Related (the parent pointer passed in), in the rows written
// through query.Related (Create, Save, FirstOrNew, …), and in WithDefault
// values. [HasManyRelation.ChaperoneFunc] calls a function of the child
// and its parent instead, for other shapes (a polymorphic owner, several
// fields). The inverse must be on the same keys and its field must be a
// *Post: anything else is a declaration error that [Check] reports and
// every use returns. Chaperone survives Named, Field, Where and
// WithDefault, and registers nothing itself (end the declaration with
// Named to find it by name).
//
// The back-reference makes a cycle (post → comments → post):
// encoding/json fails on it ("json: unsupported value: encountered a
// cycle"), and any code that walks values without tracking pointers
// recurses forever (fmt prints nested pointers as addresses; query.Push
// stops at cycles). Tag the field json:"-":
//
//	type Comment struct {
//		ID     int64 `db:"id"`
//		PostID int64 `db:"post_id"`
//		Post   *Post `db:"-" json:"-"`
//	}
//
// Two caveats. Appending to the parents slice after loading may move it,
// leaving the children pointing at the old array: load into the slice
// you keep. Parents that share a key share their children, whose
// back-reference is the last such parent.
//
// # Touching owners
//
// [BelongsToRelation.Touches], [BelongsToManyRelation.Touches] and
// [MorphToRelation.Touches] declare that writing a P row through relkit
// updates the owner's (or the related rows', or the morphTo's target's)
// updated_at, transitively, in the write's transaction:
//
//	CommentPost = rel.BelongsTo[Comment, Post]().Touches()
//	CommentCommentable = rel.MorphTo[Comment]("commentable", rel.Target[Post](), rel.Target[Video]()).Touches()
//
// Touches records the relation for the write paths of P, apart from the
// registry of names (it registers no name). The touched model (every
// target of a morphTo) must map an updated_at time field, or the relation
// fails with ErrBadRelation. A morphTo touches one statement per target
// type present among the written rows; a type that is no target's alias
// fails the write ([ErrUnknownMorphType]). See package query, "Touching
// parents".
//
// # Through relations
//
// [HasManyThrough] and [HasOneThrough] reach C through an intermediate
// model T; the type order is [declaring, through, related]:
//
//	CountryPosts  = rel.HasManyThrough[Country, User, Post]()     // users.country_id, posts.user_id
//	PositionDeal  = rel.HasOneThrough[Position, User, Contract]() // users.position_id, contracts.user_id
//	CountryPosts2 = rel.ThroughMany(CountryUsers, UserPosts)      // the keys of the two relations
//	FirstPost     = CountryPosts.One()                            // a HasOneThrough
//
// Their keys are positional, in Laravel's order (firstKey, secondKey,
// localKey, secondLocalKey): the column of T holding P's key (default
// snake(P)+"_id"), the column of C holding T's key (default
// snake(T)+"_id"), P's key and T's key (default their primary keys).
// [ThroughMany] and [ThroughOne] take them from two declared relations;
// those must be HasOne or HasMany ([HasOneOrMany] is sealed), and their
// types must chain (P → T, T → C), so a BelongsTo in the chain, or a T
// that does not line up, does not compile. A Where on the second relation
// is kept; one on the first (on T) cannot be and is a declaration error.
//
// Every statement joins C to T: a relation query reads
//
//	select "posts".* from "posts" inner join "users" on "users"."id" = "posts"."user_id" where "users"."country_id" = ?
//
// (C's columns only), an eager load also reads "users"."country_id" as
// relkit_through_key to match rows to parents (never scanned into C),
// and existence tests and aggregates correlate on "countries"."id" =
// "users"."country_id"; when T or C is P's own table the subquery reads it
// under an alias (relkit_reserved_N). Where conditions apply to C's table;
// the typed query helpers qualify unqualified columns with C's table, and
// T's columns may be named qualified ("users.email"). A secondLocalKey
// that is not unique on T returns a C once per matching T row, as the join
// does. A C whose table is T's is refused ([ErrBadRelation]). Writes
// through query.Related on a through relation fail with
// query.ErrUnsupported (Laravel creates rows without keys): write through
// T's own relation.
//
// # One of many
//
// A hasOne or hasOneThrough can keep one row of many per parent
// (Laravel's one-of-many): the row holding the greatest or least value of
// a column, ties broken by the primary key.
//
//	UserLatestPost = rel.HasOne[User, Post]().LatestOfMany()               // max(id)
//	UserFirstPost  = rel.HasOne[User, Post]().OldestOfMany("created_at")   // min(created_at), ties max(id)
//	UserTopPost    = rel.HasOne[User, Post]().OfMany("votes", rel.Max)     // max(votes), ties max(id)
//	CurrentPrice   = rel.HasOne[Product, Price]().OfManyBy([]rel.OfManyColumn{
//		{Column: "published_at", Aggregate: rel.Max}, {Column: "id", Aggregate: rel.Max},
//	}, sq.Expr("published_at < CURRENT_TIMESTAMP"))
//	UserLastPost   = UserPosts.One().LatestOfMany()                          // from a hasMany
//
// [Max] and [Min] are the only aggregates (anything else does not
// compile); the columns must be mapped on C ([ErrBadRelation] wrapping
// sqlt.ErrUnknownColumn otherwise). Tie rules follow Laravel: the primary
// key is always aggregated last; OfMany(col, agg) gives it agg, while
// LatestOfMany, OldestOfMany and OfManyBy give it MAX unless it is among
// the columns. So OldestOfMany("created_at") keeps the later of two rows
// with the same created_at, OfMany("created_at", rel.Min) the earlier.
//
// Every statement joins, as relkit_of_many, one grouped subquery per
// column (earlier columns carried with min()):
//
//	select "posts".… from "posts" inner join (select max("posts"."id") as "id_aggregate", "posts"."user_id"
//	  from "posts" where "posts"."user_id" = ? … group by "posts"."user_id") as "relkit_of_many"
//	  on "relkit_of_many"."id_aggregate" = "posts"."id" and "relkit_of_many"."user_id" = "posts"."user_id" where …
//
// An eager load tests the parents' keys in the innermost subquery only;
// existence tests and aggregates join the subquery over the whole table,
// so agg.WithCount is 0 or 1. Two filters differ: the OfManyBy filters
// choose among the rows that pass them (rendered with each statement, so
// use CURRENT_TIMESTAMP or a Sqlizer that reads the clock, not a
// time.Now() frozen at declaration), while Where, load.Where and
// query.WhereHas conditions test the chosen row — a parent whose chosen
// row fails them gets nothing, not the next row. A column that is NULL
// on all of a parent's rows chooses nothing (the parent gets nil or its
// default). A per-parent limit (a Limit in a load.Where) cannot combine
// with one-of-many (query.ErrBadArgument), nor can query.Related's
// UpdateAll and DeleteAll (query.ErrUnsupported). PostgreSQL has no max
// over uuid or boolean columns. The one-of-many options are part of the
// relation: two declarations under one name that differ in them
// conflict.

// # Polymorphic relations
//
// A comment may belong to a post or to a video: comments.commentable_type
// says which table comments.commentable_id points into. [MorphOne] and
// [MorphMany] declare the side of one parent type, [MorphToMany] and
// [MorphedByMany] the many-to-many form through a pivot table with a type
// column (taggables: tag_id, taggable_id, taggable_type):
//
//	var _ = rel.MorphAlias[Post]("post") // before the declarations using it
//
//	PostComments  = rel.MorphMany[Post, Comment]("commentable")   // commentable_type, commentable_id
//	VideoImage    = rel.MorphOne[Video, Image]("imageable")       // imageable_type, imageable_id
//	PostTags      = rel.MorphToMany[Post, Tag]("taggable")        // taggables.taggable_id, tag_id, taggable_type
//	TagPosts      = rel.MorphedByMany[Tag, Post]("taggable")      // the inverse
//
// They are HasOneRelation, HasManyRelation and BelongsToManyRelation
// values: query, load, agg and pivot take them as they are. The type
// value (the morph class) is part of the relation wherever it is used:
// reads, eager loads (one statement per relation), existence tests (a
// self relation's subquery qualifies it with its alias), aggregates,
// per-parent limits, and writes: query.Related(...).Create, Save,
// FirstOrCreate and query.Push set both columns, FirstOrNew and FindOrNew
// return a new row with both set; pivot's attach writes the type, and
// detach, sync, toggle, updateExistingPivot and touch only ever see the
// parent type's rows, so post 1's tags and video 1's never mix. A
// morphToMany's pivot field receives the type as "taggable_type".
//
//	select * from "comments" where "comments"."commentable_id" = ? and "comments"."commentable_id" is not null and "comments"."commentable_type" = ?
//
// A type's morph class is its [MorphAlias], else the result of its
// MorphClass method ([MorphClasser]), else its table name (Laravel's list
// form of the morph map); a database written by Laravel declares the
// class names it holds: rel.MorphAlias[Post]("App\\Models\\Post").
// [EnforceMorphMap] makes a type without an explicit alias a declaration
// error ([ErrNoMorphAlias]). One alias for two types, or two aliases for
// one type, is an [ErrBadRelation]. The type column is compared exactly
// (SQLite and PostgreSQL are case-sensitive), and the id column must
// have the parent key's type (an integer column for integer keys).
//
// The child side is [MorphTo]: the comment's post or video, each target
// declared with [Target] and loaded into the comment's field of type
// *Post (or Post), *Video… (Target[T]().Field("X") chooses among several;
// MorphToRelation.Field names one interface-typed field for every target
// instead):
//
//	CommentCommentable = rel.MorphTo[Comment]("commentable", rel.Target[Post](), rel.Target[Video]())
//
// load.With runs one statement per type present among the comments, in
// order of first appearance, each keyed by the target's owner key
// (default its primary key) and carrying the morphTo's Where; a comment
// with an empty type or a NULL id, or whose target is missing, gets nil,
// and a type that is no target's alias fails the load with an
// [UnknownMorphTypeError] ([ErrUnknownMorphType]) before any statement.
// query.GetMorph reads one comment's target (a *Post or *Video, or nil);
// [AssociateMorph] and MorphToRelation.Dissociate set and clear both
// columns; query.WhereHasMorph(CommentCommentable, query.On[Post](fn),
// query.On[Video](nil)) and its HasMorph, WhereDoesntHaveMorph and
// query.AllMorphs forms test existence per type. A morphTo has no single
// related type: it is no [Typed]
// relation, so query.Has, agg.WithCount and query.GetOne do not take it,
// and found by name it is refused there (ErrBadRelation). Columns other
// than name+"_type" and name+"_id" are given with Columns. Relations of
// the targets, constraints and aggregates per type are loaded with
// load.Morph(CommentCommentable, load.On[Post](PostAuthor), …).
//
//	select … from "posts" where "posts"."id" in (?, ?)
//	select … from "videos" where "videos"."id" in (?)
//
// # Using relations
//
// Query through a relation, scoped to one parent:
//
//	posts, err := query.Related(UserPosts, &user).Where(sq.Gt{"votes": 10}).Get(ctx, db)
//	phone, err := query.GetOne(ctx, db, UserPhone, &user) // nil, or the default, if none
//	roles, err := query.GetMany(ctx, db, UserRoles, &user) // with their pivot columns
//
// The scope cannot be escaped: Where(a).OrWhere(b) renders
// `scope and (a or b)`. A parent whose key is NULL or zero (not saved yet)
// has no related rows: reads return nothing and run no statement, and
// inserts or saves through it fail. Writes through the query set the
// foreign key: Create,
// CreateMany, Save, SaveMany, FirstOrNew, FirstOrCreate, UpdateOrCreate,
// FindOrNew.
//
// [BelongsToRelation.Associate] and [BelongsToRelation.Dissociate] set or
// clear a child's foreign key (and its loaded owner) in memory; save the
// child afterwards. query.Push saves a model together with the models
// loaded into its relation fields, in one transaction:
//
//	err := query.Push(ctx, db, &post, PostAuthor, PostComments, CommentImages)
//
// # The registry and paths
//
// The registry maps a parent type and a relation name to a relation, so
// that string paths resolve: [Lookup], [Find] and [Names] query it,
// [ParsePath] resolves "posts.comments", and [ChainOf] builds the same
// [Path] from typed values. An unknown name gives an
// [*UnknownRelationError] (matching [ErrUnknownRelation]) that names the
// type and lists its relations. Its rules:
//
// A relation is registered under its parent type and name by the
// constructor that declares it (its default name) and by Named or Field
// (an explicit name, which wins over default ones; a constrained relation
// is registered only by Named, and other builder methods register nothing,
// so end a declaration with Named or Field for its options to apply by
// name). Names resolve at each lookup, so a use by name may be made before
// the declaration, wherever either runs; a name that resolves to two
// different relations (a relation renamed by Named or Field no longer
// competes for its default name) is a declaration error,
// [ErrNameConflict], returned by every lookup of the name and by [Check].
//
// [Check], called at start-up, lists every declaration problem at once.
//
// # Keys at run time
//
// A declared relation cannot be changed: its description is internal to
// relkit, and [Relation], [Of], [Typed], [ToOne] and [ToMany] are sealed
// (only this package implements them). Key values are normalised before
// they are compared (every integer to int64, strings and []byte to
// string, NULL reported apart). Zero and "" are valid keys in data; only
// NULL is skipped. Keys of a column of bytes ([]byte, sql.Null[[]byte])
// are bound as []byte again, so they match the stored BLOB (SQLite) or
// bytea (PostgreSQL) values; keys are compared byte for byte, strings that are
// not valid UTF-8 included (PostgreSQL refuses those in text columns).
// A custom key type (a driver.Valuer) whose value is []byte is not a
// column of bytes: its keys are bound as text.
package rel
