package load_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

var (
	lmPostCommentsChap = rel.HasMany[lmPost, lmComment]().Chaperone(lmCommentPost)
	lmCommentRevsChap  = rel.HasMany[lmComment, lmRevision]().Chaperone(lmRevisionOwner)
	lmPostRelationChap = rel.HasOne[lmPost, lmPostRelation]().Chaperone(rel.BelongsTo[lmPostRelation, lmPost]()).WithDefault()
)

// HasOne: the row and the WithDefault value point at their parent;
// ChaperoneFunc receives each child with its parent.
func TestChaperoneHasOneAndFunc(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)

		require.NoError(t, load.With(ctx, db, ps, lmPostRelationChap))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Zero(t, ps[0].Relation.ID, "post 1 has none: the default")
		assert.Same(t, &ps[0], ps[0].Relation.Post)
		assert.Equal(t, int64(1), ps[1].Relation.ID)
		assert.Same(t, &ps[1], ps[1].Relation.Post)

		seen := map[int64]int64{}
		byFunc := rel.HasMany[lmPost, lmComment]().ChaperoneFunc(func(c *lmComment, p *lmPost) { seen[c.ID] = p.ID })
		ps = lmPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, byFunc))
		assert.Equal(t, map[int64]int64{1: 1, 2: 1, 3: 1, 4: 2}, seen)
	})
}

// DatabaseEloquentInverseRelationHasManyTest::…WhenEagerLoaded: every
// loaded child points at its own parent, the caller's element: &parents[i]
// for a []P, the element for a []*P; with no statement added.
func TestChaperoneEager(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)

		require.NoError(t, load.With(ctx, db, ps, load.Nested(lmPostCommentsChap, lmCommentRevsChap)))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		require.Len(t, ps[0].Comments, 3)
		for i := range ps {
			for k := range ps[i].Comments {
				assert.Same(t, &ps[i], ps[i].Comments[k].Post)
			}
		}
		require.Len(t, ps[0].Comments[0].Revisions, 1)
		assert.Same(t, &ps[0].Comments[0], ps[0].Comments[0].Revisions[0].Comment, "a nested level points into its parent's slice")

		ps = lmPosts(t, db)
		ptrs := []*lmPost{&ps[1], &ps[0]}
		require.NoError(t, load.With(ctx, db, ptrs, lmPostCommentsChap))
		assert.Same(t, &ps[0], ps[0].Comments[2].Post)

		// Missing sets it on what it loads and leaves loaded children alone.
		ps = lmPosts(t, db)
		ps[1].Comments = []lmComment{{ID: 7}}
		require.NoError(t, load.Missing(ctx, db, ps, lmPostCommentsChap))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Same(t, &ps[0], ps[0].Comments[0].Post)
		assert.Nil(t, ps[1].Comments[0].Post)
	})
}

// The back-reference makes a cycle post → comments → post; tagged
// json:"-", encoding a loaded parent does not recurse.
func TestChaperoneJSON(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, lmPostCommentsChap))
		require.Same(t, &ps[0], ps[0].Comments[0].Post)

		js, err := json.Marshal(ps[0])
		require.NoError(t, err, "json:\"-\" breaks the cycle")
		assert.NotContains(t, string(js), `"Post"`)
		assert.Contains(t, string(js), `"Comments":[{"ID":1,`)
	})
}

// A relation found by name keeps its chaperone when it was named after
// it (Named registers; Chaperone does not).
func TestChaperoneByName(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)
		require.NoError(t, load.Paths(ctx, db, ps, "chaperoned_comments"))
		assert.Same(t, &ps[0], ps[0].Comments[1].Post)
	})
}

var _ = rel.HasMany[lmPost, lmComment]().Chaperone(lmCommentPost).Named("chaperoned_comments")

type (
	vPost struct {
		ID       int64     `db:"id"`
		Relation vRelation `db:"-"`
	}
	vRelation struct {
		ID       int64  `db:"id"`
		LmPostID int64  `db:"lm_post_id"`
		Subs     []vSub `db:"-"`
		Sub      vSub   `db:"-"`
	}
	vSub struct {
		ID               int64      `db:"id"`
		LmPostRelationID int64      `db:"lm_post_relation_id"`
		Relation         *vRelation `db:"-" json:"-"`
		SubSubs          []vSubSub  `db:"-"`
	}
	vSubSub struct {
		ID                  int64 `db:"id"`
		LmPostSubRelationID int64 `db:"lm_post_sub_relation_id"`
		Sub                 *vSub `db:"-" json:"-"`
	}
)

func (vPost) TableName() string     { return "lm_posts" }
func (vRelation) TableName() string { return "lm_post_relations" }
func (vSub) TableName() string      { return "lm_post_sub_relations" }
func (vSubSub) TableName() string   { return "lm_post_sub_sub_relations" }

// A chaperone below a to-one value field: the back-reference points at the
// value where its parent holds it (&posts[i].Relation), as it does under a
// slice, in With and Missing, one or two value levels down, and a
// ChaperoneFunc is called once per child. Failed: it pointed at the
// loader's row, copied into the field afterwards.
func TestChaperoneUnderAValueField(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		rr := rel.HasOne[vPost, vRelation]("lm_post_id")
		subs := rel.HasMany[vRelation, vSub]("lm_post_relation_id").Chaperone(rel.BelongsTo[vSub, vRelation]("lm_post_relation_id"))
		sub := rel.HasOne[vRelation, vSub]("lm_post_relation_id").Field("Sub")
		calls := 0
		subSubs := rel.HasMany[vSub, vSubSub]("lm_post_sub_relation_id").ChaperoneFunc(func(c *vSubSub, p *vSub) {
			calls++
			c.Sub = p
		})
		posts := func() []vPost {
			ps, err := query.From[vPost]().OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			return ps
		}
		check := func(t *testing.T, ps []vPost) {
			t.Helper()
			require.Len(t, ps[1].Relation.Subs, 1)
			assert.Same(t, &ps[1].Relation, ps[1].Relation.Subs[0].Relation)
			require.Len(t, ps[1].Relation.Sub.SubSubs, 1)
			assert.Same(t, &ps[1].Relation.Sub, ps[1].Relation.Sub.SubSubs[0].Sub)
			assert.Equal(t, 1, calls)
		}
		specs := []load.Of[vPost]{load.Nested(rr, subs), load.Nested(rr, sub, subSubs)}
		for _, c := range []struct {
			name string
			run  func([]vPost) error
		}{
			{"with", func(ps []vPost) error { return load.With(ctx, db, ps, specs...) }},
			{"missing", func(ps []vPost) error { return load.Missing(ctx, db, ps, specs...) }},
			{"missing_below_a_loaded_value", func(ps []vPost) error {
				require.NoError(t, load.With(ctx, db, ps, rr))
				return load.Missing(ctx, db, ps, specs...)
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				ps := posts()
				calls = 0
				require.NoError(t, c.run(ps))
				check(t, ps)
			})
		}
	})
}
