package rel_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type exArticle struct {
	ID      int64      `db:"id"`
	Title   string     `db:"title"`
	Remarks []exRemark `db:"-"`
	Labels  []exLabel  `db:"-"`
}

func (exArticle) TableName() string { return "articles" }

type exClip struct {
	ID      int64      `db:"id"`
	Remarks []exRemark `db:"-"`
}

func (exClip) TableName() string  { return "clips" }
func (exClip) MorphClass() string { return "clip" }

type exRemark struct {
	ID              int64      `db:"id"`
	CommentableType string     `db:"commentable_type"`
	CommentableID   int64      `db:"commentable_id"`
	Body            string     `db:"body"`
	Article         *exArticle `db:"-"`
	Clip            *exClip    `db:"-"`
}

func (exRemark) TableName() string { return "remarks" }

type exLabel struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot map[string]any `db:"-"`
}

func (exLabel) TableName() string { return "labels" }

var (
	_ = rel.MorphAlias[exArticle]("article")

	articleRemarks = rel.MorphMany[exArticle, exRemark]("commentable")
	clipRemarks    = rel.MorphMany[exClip, exRemark]("commentable")
	articleLabels  = rel.MorphToMany[exArticle, exLabel]("labelable", "labelables", "labelable_id", "label_id")
	clipLabels     = rel.MorphToMany[exClip, exLabel]("labelable", "labelables", "labelable_id", "label_id")
	remarkOn       = rel.MorphTo[exRemark]("commentable", rel.Target[exArticle](), rel.Target[exClip]())
)

// Articles and clips have remarks (remarks.commentable_type,
// commentable_id) and labels (through labelables); article 1 and clip 1
// share an id, and never each other's rows.
func ExampleMorphMany() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	for _, s := range []string{
		`create table articles (id integer primary key, title text not null)`,
		`create table clips (id integer primary key)`,
		`create table remarks (id integer primary key, commentable_type text not null, commentable_id bigint not null, body text not null)`,
		`create table labels (id integer primary key, name text not null)`,
		`create table labelables (label_id bigint not null, labelable_id bigint not null, labelable_type text not null)`,
		`insert into articles (title) values ('hello')`,
		`insert into clips default values`,
		`insert into labels (name) values ('go'), ('sql')`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	article, clip := exArticle{ID: 1}, exClip{ID: 1}

	// Writes through the relation set both columns.
	r, err := query.Related(articleRemarks, &article).Create(ctx, db, exRemark{Body: "nice"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.CommentableType, r.CommentableID, r.Body)
	if _, err := query.Related(clipRemarks, &clip).Create(ctx, db, exRemark{Body: "short"}); err != nil {
		panic(err)
	}

	// Pivot writes carry the type; a sync on clip 1 leaves article 1's rows.
	if err := pivot.Attach(ctx, db, articleLabels, &article, []int64{1, 2}); err != nil {
		panic(err)
	}
	if _, err := pivot.Sync(ctx, db, clipLabels, &clip, []int64{2}); err != nil {
		panic(err)
	}

	articles := []exArticle{article}
	if err := load.With(ctx, db, articles, articleRemarks, articleLabels); err != nil {
		panic(err)
	}
	a := articles[0]
	fmt.Println(len(a.Remarks), "remark:", a.Remarks[0].Body)
	for _, l := range a.Labels {
		fmt.Println(l.Name, l.Pivot["labelable_type"])
	}
	n, err := query.Related(clipLabels, &clip).Count(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println("clip labels:", n)
	// Output:
	// article 1 nice
	// 1 remark: nice
	// go article
	// sql article
	// clip labels: 1
}

// A remark's article or clip: one statement per type present, each target
// in its own field.
func ExampleMorphTo() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	for _, s := range []string{
		`create table articles (id integer primary key, title text not null)`,
		`create table clips (id integer primary key)`,
		`create table remarks (id integer primary key, commentable_type text not null, commentable_id bigint not null, body text not null)`,
		`insert into articles (title) values ('hello')`,
		`insert into clips default values`,
		`insert into remarks (commentable_type, commentable_id, body) values ('article', 1, 'nice'), ('clip', 1, 'short')`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	remarks, err := query.From[exRemark]().OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	if err := load.With(ctx, db, remarks, remarkOn); err != nil {
		panic(err)
	}
	fmt.Println(remarks[0].Body, "on article", remarks[0].Article.Title, remarks[0].Clip == nil)
	fmt.Println(remarks[1].Body, "on clip", remarks[1].Clip.ID, remarks[1].Article == nil)

	// Lazily, and written: AssociateMorph sets both columns.
	on, err := query.GetMorph(ctx, db, remarkOn, &remarks[1])
	if err != nil {
		panic(err)
	}
	fmt.Printf("%T\n", on)
	r := exRemark{Body: "again"}
	if err := rel.AssociateMorph(remarkOn, &r, &exArticle{ID: 1}); err != nil {
		panic(err)
	}
	fmt.Println(r.CommentableType, r.CommentableID)
	// Output:
	// nice on article hello true
	// short on clip 1 true
	// *rel_test.exClip
	// article 1
}
