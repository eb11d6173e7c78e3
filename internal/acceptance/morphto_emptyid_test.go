package acceptance_test

// A morphTo over a string-keyed target skips empty string ids (Laravel's
// MorphTo::gatherKeysByType drops them for string-keyed types): "" is
// never sent in the target's key list, so that a uuid key column on
// PostgreSQL does not fail the statement, and the child's target is nil.

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// eiDoc has a uuid key (a uuid column on PostgreSQL).
type eiDoc struct {
	ID    string `db:"id"`
	Title string `db:"title"`
}

func (eiDoc) TableName() string { return "ei_docs" }

type eiPost struct {
	ID    int64  `db:"id"`
	Title string `db:"title"`
}

func (eiPost) TableName() string { return "ei_posts" }

type eiNote struct {
	ID          int64   `db:"id"`
	NotableType string  `db:"notable_type"`
	NotableID   string  `db:"notable_id"`
	Body        string  `db:"body"`
	Doc         *eiDoc  `db:"-"`
	Post        *eiPost `db:"-"`
}

func (eiNote) TableName() string { return "ei_notes" }

var eiNotable = rel.MorphTo[eiNote]("notable", rel.Target[eiDoc](), rel.Target[eiPost]())

const eiDocID = "5d0c3a5e-2b7f-4c1a-9e8d-7f6a5b4c3d2e"

// argLog records the arguments of every statement.
type argLog struct {
	mu   sync.Mutex
	args [][]any
}

func (l *argLog) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (l *argLog) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	l.mu.Lock()
	l.args = append(l.args, q.Args)
	l.mu.Unlock()
}

func TestMorphToSkipsEmptyStringIDs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		idType := "varchar(36)"
		if db.Name == "postgres" {
			idType = "uuid"
		}
		db.MustExec(t,
			`create table ei_docs (id `+idType+` primary key, title text not null)`,
			`create table ei_posts (id {{pk}}, title text not null)`,
			`create table ei_notes (id {{pk}}, notable_type varchar(255) not null, notable_id varchar(255) not null, body text not null)`,
			`insert into ei_docs (id, title) values ('`+eiDocID+`', 'doc')`,
			`insert into ei_posts (title) values ('post')`,
			`insert into ei_notes (notable_type, notable_id, body) values ('ei_docs', '', 'empty'), ('ei_docs', '`+eiDocID+`', 'doc'), ('ei_posts', '1', 'post')`,
		)
		ctx := context.Background()
		log := &argLog{}
		ex := db.DB.WithHook(log)
		ns, err := query.From[eiNote]().OrderBy("id").Get(ctx, ex)
		require.NoError(t, err)
		require.Len(t, ns, 3)

		// Eager: one statement per type, the doc's without "".
		db.Counter.Reset()
		log.args = nil
		require.NoError(t, load.With(ctx, ex, ns, eiNotable))
		require.Equal(t, 2, db.Counter.Count(), db.Counter)
		for _, a := range log.args {
			assert.NotContains(t, a, "", "an empty id is not a key")
		}
		assert.Nil(t, ns[0].Doc, "an empty id points at nothing")
		assert.Nil(t, ns[0].Post)
		require.NotNil(t, ns[1].Doc)
		assert.Equal(t, "doc", ns[1].Doc.Title)
		require.NotNil(t, ns[2].Post)

		// Only empty ids for the type: no statement for it.
		db.Counter.Reset()
		only := []eiNote{ns[0]}
		require.NoError(t, load.With(ctx, ex, only, eiNotable))
		assert.Zero(t, db.Counter.Count(), db.Counter)
		assert.Nil(t, only[0].Doc)

		// Lazy: nil, no statement.
		db.Counter.Reset()
		got, err := query.GetMorph(ctx, ex, eiNotable, &ns[0])
		require.NoError(t, err)
		assert.Nil(t, got)
		assert.Zero(t, db.Counter.Count())
		got, err = query.GetMorph(ctx, ex, eiNotable, &ns[1])
		require.NoError(t, err)
		require.IsType(t, &eiDoc{}, got)
		assert.Equal(t, eiDocID, got.(*eiDoc).ID)
	})
}
