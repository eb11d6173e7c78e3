// Package agg reads aggregates of related rows — Sutando's withCount,
// withSum, withMin, withMax, withAvg and withExists, and their deferred
// forms loadCount, loadSum, … — into plain structs.
//
// # Declaring the fields
//
// An aggregate is read into the parent's field whose column is the
// aggregate's alias: "{relation}_count", "{relation}_exists" or
// "{relation}_{fn}_{column}" (the relation's name is its rel name, e.g.
// "comments"). Tag those fields readonly: they are scanned but never
// written by Insert, Update or Save, and a plain query (which does not
// select them) leaves them at their zero value.
//
// An alias must fit the database's identifiers: PostgreSQL keeps 63 bytes
// and would truncate a longer alias, so on PostgreSQL a query on a struct
// with a longer column fails with sqlt.ErrInvalidIdentifier before any
// statement runs (a long relation name plus "_count" included; see
// sqlt.Dialect.MaxIdentLen).
//
//	type Post struct {
//		ID    int64  `db:"id"`
//		Title string `db:"title"`
//
//		CommentsCount    int64               `db:"comments_count,readonly"`
//		CommentsSumVotes int64               `db:"comments_sum_votes,readonly"`
//		CommentsAvgVotes *float64            `db:"comments_avg_votes,readonly"`
//		LastComment      agg.Null[time.Time] `db:"comments_max_created_at,readonly"`
//		CommentsExists   bool                `db:"comments_exists,readonly"`
//	}
//
//	var PostComments = rel.HasMany[Post, Comment]()
//
// # As select columns
//
// [WithCount] and its siblings return an [Aggregate], a query.Mod: apply it
// to a query on the parent.
//
//	posts, err := query.From[Post]().Apply(agg.WithCount(PostComments)).Get(ctx, db)
//
// renders one statement, the aggregate as a correlated subquery after the
// columns already selected (the mapped columns when none were; readonly
// fields such as the aggregate's own are not among them):
//
//	select "posts"."id", "posts"."title", …, (select count(*) from "comments" where "posts"."id" = "comments"."post_id") as "comments_count" from "posts"
//
// Calling Select before or after Apply gives the same statement. A
// constraint narrows the rows aggregated, and [Aggregate.As] reads the
// value under another alias, so one relation can be aggregated twice:
//
//	code := func(q *query.Query[Comment]) *query.Query[Comment] { return q.WhereOp("content", "like", "code%") }
//	q.Apply(agg.WithCount(PostComments), agg.WithCount(PostComments, code).As("code_count"))
//
// Relations can also be named as in Sutando, "relation" or "relation as
// alias", through the registry: [CountOf], [ExistsOf], [SumOf], [MinOf],
// [MaxOf], [AvgOf] (agg.CountOf[Post]("comments as cc")).
//
// These functions trust their names; names from a client go through an
// allow-list (next section).
//
// # Serving ?with_count=
//
// [Allow] lists the relations clients may aggregate, built once:
//
//	var postCounts = agg.Allow[Post]("comments", "tags")
//
//	for _, name := range r.URL.Query()["with_count"] {
//		a := postCounts.CountOf(name)
//		if err := a.Err(); err != nil {
//			// 400 Bad Request: errors.Is(err, agg.ErrNotAllowed), …
//		}
//		mods = append(mods, a)
//	}
//	posts, err := query.From[Post]().Apply(mods...).Get(ctx, db)
//
// A relation not listed fails with [ErrNotAllowed], before its name is
// looked up. A client's alias must be the aggregate's own field, its
// default alias ("comments as comments_count"): "comments as tags_count",
// which would write the number of comments into the tags count, fails
// with [ErrAliasNotAllowed]. Other aliases are allowed by listing them:
// agg.Allow[Post]("comments", "comments as cc"). Refused aggregates make
// the query or load fail before any statement.
//
// The relation's own Where conditions and pivot filters are part of every
// aggregate. On belongsTo a count is 0 or 1; on belongsToMany it counts the
// matching pivot rows; on hasOneThrough and hasManyThrough it counts every
// joined row (a hasOneThrough count may exceed 1, as in Laravel).
//
// # Deferred, on fetched parents
//
// [Load] (and [LoadCount], [LoadSum], [LoadMin], [LoadMax], [LoadAvg],
// [LoadExists]) sets the same fields on parents already fetched, with one
// statement per call. Aggregates of one relation are read grouped:
//
//	select "comments"."post_id", count(*) from "comments" where "comments"."post_id" in (?, ?) group by "comments"."post_id"
//
// (= any($1) on PostgreSQL); aggregates of several relations (or of one
// relation under different constraints) as correlated subqueries over the
// parents, by primary key, as Laravel's loadCount does. For structs without such fields, [Values]
// returns the aggregate by parent key.
//
// # Types and NULL
//
//   - count: an integer field (int64, int, …).
//   - exists: a bool field, on both databases (SQLite's 0/1 is converted).
//   - avg: a float field (PostgreSQL's numeric average is converted).
//     relkit gives the server's average as it is, as Laravel does: MySQL
//     and MariaDB compute AVG of an integer or DECIMAL column as a DECIMAL
//     with div_precision_increment (4 by default) more digits than the
//     column, so the average of 5, 1 and 2 is 2.6667 there and
//     2.6666666666666665 on SQLite and PostgreSQL. Raise
//     div_precision_increment (up to 30) in the session for more digits,
//     or load the sum and the count ([WithSum], [WithCount]) and divide.
//   - sum, min, max keep the column's type where the field allows: an
//     integer or float field, a string for decimals, time.Time for the
//     min or max of a timestamp.
//   - A parent without related rows gets count 0 and exists false. Sum, min,
//     max and avg are then NULL: a pointer field gets nil and a [Null]
//     field Valid=false; a plain number field gets 0, and a plain string
//     field "0" (sum, avg, numeric columns) or "" (text columns), because
//     relkit wraps the subquery in coalesce for such fields. Other plain
//     fields (time.Time, bool) cannot hold NULL: use a pointer or [Null].
//     The deferred forms give the same values.
//   - SQLite returns the min or max of a timestamp column as text, which
//     database/sql does not scan into a time.Time. The deferred forms parse
//     it; in the select-column form declare the field as
//     agg.Null[time.Time], whose Scan parses it (time.Time and *time.Time
//     fields work there on PostgreSQL and MySQL only).
//
// Column names given to aggregates are validated against the related
// struct's mapped columns; a bad one, like a bad relation, makes the query
// or load fail with a clear error before any statement runs.
//
// # Pivot and qualified columns
//
// A column may be qualified. "<related table>.col" is a mapped column of
// the related struct, qualified in the SQL with the name the related table
// has in the subquery: in a self-relation that is its alias
// (relkit_reserved_N), so it reads the related row, where Laravel reads the
// parent's. On a belongsToMany relation "<pivot table>.col" is any column
// of the pivot, declared with WithPivot or not:
//
//	agg.WithSum(OrderProducts, "order_product.quantity").As("total")
//	// (select sum("order_product"."quantity") from "products"
//	//  join "order_product" on "products"."id" = "order_product"."product_id"
//	//  where "orders"."id" = "order_product"."order_id") as "total"
//
// On hasOneThrough and hasManyThrough "<through table>.col" is a mapped
// column of the through struct ("users.id" for countries → users →
// posts), read from the through table's alias when it is the parent's.
//
// Without As the alias is Laravel's, the column lower-cased and stripped of
// other characters: products_sum_order_productquantity. Load, LoadSum, …,
// SumOf and the other by-name forms accept the same columns; the relation's
// Wheres, pivot filters and the constraint apply as to every aggregate. Any
// other table fails with sqlt.ErrUnknownColumn, a column that is not an
// identifier (an expression) with sqlt.ErrInvalidIdentifier.
package agg
