package main

import (
	"context"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// latestPost reads a one-of-many relation: each user's latest post.
func latestPost(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("One of many: rel.HasOne(…).LatestOfMany()")

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, users, UserLatestPost)
	latest := make(map[string]string, len(users))
	for _, u := range users {
		if u.LatestPost != nil {
			latest[u.Name] = u.LatestPost.Title
		}
	}
	d.show(`load.With(ctx, db, users, UserLatestPost)  // one statement; the keys go into the grouped subquery`, latest, err)
	if err != nil {
		return err
	}

	counted, err := query.From[User]().Apply(agg.WithCount(UserLatestPost)).OrderBy("id").Get(ctx, db)
	counts := make(map[string]int64, len(counted))
	for _, u := range counted {
		counts[u.Name] = u.LatestPostCount
	}
	d.show(`query.From[User]().Apply(agg.WithCount(UserLatestPost)).Get(ctx, db)  // 0 or 1`, counts, err)
	return err
}
