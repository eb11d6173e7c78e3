package bench

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The eager-loading benchmarks: users with posts, posts with comments,
// users with roles through a pivot table with a pivot column (into a
// map[string]any and into a typed struct).
type (
	// LUser is a parent of the eager-loading benchmarks.
	LUser struct {
		ID         int64        `db:"id"`
		Name       string       `db:"name"`
		Posts      []LPost      `db:"-"`
		Roles      []LRole      `db:"-"`
		TypedRoles []LTypedRole `db:"-"`
	}
	// LPost belongs to an LUser and has comments.
	LPost struct {
		ID        int64      `db:"id"`
		UserID    int64      `db:"user_id"`
		Title     string     `db:"title"`
		Votes     int64      `db:"votes"`
		CreatedAt time.Time  `db:"created_at"`
		Comments  []LComment `db:"-"`
	}
	// LComment belongs to an LPost.
	LComment struct {
		ID     int64  `db:"id"`
		PostID int64  `db:"post_id"`
		Body   string `db:"body"`
		Votes  int64  `db:"votes"`
	}
	// LRole is attached to users through load_role_user (column active).
	LRole struct {
		ID    int64          `db:"id"`
		Name  string         `db:"name"`
		Pivot map[string]any `db:"-"`
	}
	// LTypedRole is LRole with its pivot columns in a typed struct.
	LTypedRole struct {
		ID    int64      `db:"id"`
		Name  string     `db:"name"`
		Pivot LRolePivot `db:"-"`
	}
	// LRolePivot is a row of load_role_user.
	LRolePivot struct {
		UserID int64 `db:"user_id"`
		RoleID int64 `db:"role_id"`
		Active bool  `db:"active"`
	}
)

// TableName names LUser's table.
func (LUser) TableName() string { return "load_users" }

// TableName names LPost's table.
func (LPost) TableName() string { return "load_posts" }

// TableName names LComment's table.
func (LComment) TableName() string { return "load_comments" }

// TableName names LRole's table.
func (LRole) TableName() string { return "load_roles" }

// TableName names LTypedRole's table.
func (LTypedRole) TableName() string { return "load_roles" }

var (
	lUserPosts    = rel.HasMany[LUser, LPost]("user_id")
	lPostComments = rel.HasMany[LPost, LComment]("post_id")
	lUserRoles    = rel.BelongsToMany[LUser, LRole]("load_role_user", "user_id", "role_id").WithPivot("active")
	lUserTyped    = rel.BelongsToMany[LUser, LTypedRole]("load_role_user", "user_id", "role_id").WithPivot("active")
)

// The sizes of the eager-loading workloads.
const (
	loadUsers         = 1000
	postsPerUser      = 10
	commentsPerPost   = 3
	rolesPerUser      = 3
	loadRoles         = 20
	loadPostsTotal    = loadUsers * postsPerUser
	loadCommentsTotal = loadPostsTotal * commentsPerPost
)

// seedLoad creates and fills the tables: 1,000 users, 10 posts each
// (inserted round-robin, so a user's posts are not adjacent), 3 comments
// per post, 20 roles and 3 roles per user with an "active" pivot column.
// Foreign keys are indexed, as they are in any real schema.
func seedLoad(b testing.TB, db *sqlt.DB) {
	b.Helper()
	mustExec(b, db,
		`create table load_users (id {{pk}}, name text not null)`,
		`create table load_posts (id {{pk}}, user_id bigint not null references load_users(id), title text not null,
			votes bigint not null, created_at timestamp not null)`,
		`create index load_posts_user_id on load_posts (user_id)`,
		`create table load_comments (id {{pk}}, post_id bigint not null references load_posts(id), body text not null, votes bigint not null)`,
		`create index load_comments_post_id on load_comments (post_id)`,
		`create table load_roles (id {{pk}}, name text not null)`,
		`create table load_role_user (user_id bigint not null references load_users(id), role_id bigint not null references load_roles(id),
			active boolean not null, primary key (user_id, role_id))`,
		`create index load_role_user_role_id on load_role_user (role_id)`,
	)
	ctx := context.Background()
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		ins := func(table string, n int, row func(i int) []any) error {
			const batch = 200
			for lo := 0; lo < n; lo += batch {
				hi := min(lo+batch, n)
				var sb strings.Builder
				var args []any
				for i := lo; i < hi; i++ {
					r := row(i)
					if i > lo {
						sb.WriteString(", ")
					}
					sb.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
					args = append(args, r...)
				}
				if _, err := tx.Exec(ctx, "insert into "+table+" values "+sb.String(), args...); err != nil {
					return err
				}
			}
			return nil
		}
		if err := ins("load_users (name)", loadUsers, func(i int) []any { return []any{fmt.Sprintf("user %d", i+1)} }); err != nil {
			return err
		}
		if err := ins("load_posts (user_id, title, votes, created_at)", loadPostsTotal, func(i int) []any {
			return []any{int64(i%loadUsers + 1), fmt.Sprintf("post number %d", i+1), int64(i * 7 % 101), base.Add(time.Duration(i) * time.Minute)}
		}); err != nil {
			return err
		}
		if err := ins("load_comments (post_id, body, votes)", loadCommentsTotal, func(i int) []any {
			return []any{int64(i%loadPostsTotal + 1), fmt.Sprintf("comment %d on a post, a short text", i+1), int64(i % 13)}
		}); err != nil {
			return err
		}
		if err := ins("load_roles (name)", loadRoles, func(i int) []any { return []any{fmt.Sprintf("role %d", i+1)} }); err != nil {
			return err
		}
		return ins("load_role_user (user_id, role_id, active)", loadUsers*rolesPerUser, func(i int) []any {
			u := i/rolesPerUser + 1
			return []any{int64(u), int64((u*7+i%rolesPerUser*5)%loadRoles + 1), i%2 == 0}
		})
	})
	if err != nil {
		b.Fatalf("seed load tables: %v", err)
	}
	switch db.Dialect().Name() {
	case "sqlite":
		mustExec(b, db, "analyze")
	case "mysql":
		mustExec(b, db, "analyze table load_users, load_posts, load_comments, load_roles, load_role_user")
	default:
		mustExec(b, db, "analyze load_users", "analyze load_posts", "analyze load_comments", "analyze load_roles", "analyze load_role_user")
	}
}

// loadParents reads the 1,000 users.
func loadParents(b testing.TB, db *sqlt.DB) []LUser {
	b.Helper()
	us, err := query.From[LUser]().OrderBy("id").Get(context.Background(), db)
	if err != nil || len(us) != loadUsers {
		b.Fatalf("read users: %d, %v", len(us), err)
	}
	return us
}

// sqlCapture records the statements relkit sends, so that the
// hand-written code runs exactly the same text.
type sqlCapture struct {
	mu   sync.Mutex
	stmt []string
}

func (c *sqlCapture) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (c *sqlCapture) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	c.mu.Lock()
	c.stmt = append(c.stmt, q.SQL)
	c.mu.Unlock()
}

// relkitSQL returns the statements load.With sends for specs.
func relkitSQL(b testing.TB, db *sqlt.DB, specs ...load.Of[LUser]) []string {
	b.Helper()
	c := &sqlCapture{}
	if err := load.With(context.Background(), db.WithHook(c), loadParents(b, db), specs...); err != nil {
		b.Fatal(err)
	}
	return c.stmt
}

// userKeys is what hand-written code starts with: the parents' ids and
// an index from id to position.
func userKeys(users []LUser) ([]int64, map[int64]int) {
	ids := make([]int64, len(users))
	at := make(map[int64]int, len(users))
	for i, u := range users {
		ids[i] = u.ID
		at[u.ID] = i
	}
	return ids, at
}

// keyArg is how hand-written code passes the key list: an int64 slice for
// pgx (= any($1)); for SQLite the same JSON array relkit sends to
// json_each, or individual placeholders.
type keyArgs func(ids []int64) []any

func pgxKeys(ids []int64) []any { return []any{ids} }

func jsonKeys(ids []int64) []any {
	var sb strings.Builder
	sb.Grow(len(ids) * 6)
	sb.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprint(&sb, id)
	}
	sb.WriteByte(']')
	return []any{sb.String()}
}

func inlineKeys(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// inlineSQL rewrites relkit's json_each form into a plain IN list of n
// placeholders: what hand-written database/sql code usually sends.
func inlineSQL(q string, n int) string {
	list := "in (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	q = strings.Replace(q, "in (select value from json_each(?))", list, 1)
	return strings.Replace(q, mysqlKeyList, list, 1)
}

// querier is the part of *sql.DB and *pgxpool.Pool that the hand-written
// code uses, behind one small interface so the bodies are written once
// per workload, in the shape each driver's users write them.
type querier interface {
	query(ctx context.Context, q string, args ...any) (rowsIter, error)
}

type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type stdQ struct{ db *sql.DB }

type stdRows struct{ *sql.Rows }

func (r stdRows) Close() { r.Rows.Close() }

func (q stdQ) query(ctx context.Context, s string, args ...any) (rowsIter, error) {
	r, err := q.db.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return stdRows{r}, nil
}

type pgxQ struct{ pool *pgxpool.Pool }

func (q pgxQ) query(ctx context.Context, s string, args ...any) (rowsIter, error) {
	return q.pool.Query(ctx, s, args...)
}

// handPosts is the hand-written one-level load: one statement for all
// users, rows appended to their user's slice through an id → index map,
// an empty slice for users without posts.
func handPosts(ctx context.Context, q querier, s string, keys keyArgs, users []LUser) error {
	ids, at := userKeys(users)
	for i := range users {
		users[i].Posts = nil
	}
	rows, err := q.query(ctx, s, keys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p LPost
		if err := rows.Scan(&p.ID, &p.UserID, &p.Title, &p.Votes, &p.CreatedAt); err != nil {
			return err
		}
		u := &users[at[p.UserID]]
		u.Posts = append(u.Posts, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range users {
		if users[i].Posts == nil {
			users[i].Posts = []LPost{}
		}
	}
	return nil
}

// handComments is the hand-written second level: posts first (handPosts),
// then one statement for the comments of all loaded posts, appended
// through an id → *post map.
func handComments(ctx context.Context, q querier, s []string, keys keyArgs, users []LUser) error {
	if err := handPosts(ctx, q, s[0], keys, users); err != nil {
		return err
	}
	ids := make([]int64, 0, loadPostsTotal)
	byID := make(map[int64]*LPost, loadPostsTotal)
	for i := range users {
		for j := range users[i].Posts {
			p := &users[i].Posts[j]
			ids = append(ids, p.ID)
			byID[p.ID] = p
		}
	}
	rows, err := q.query(ctx, s[1], keys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c LComment
		if err := rows.Scan(&c.ID, &c.PostID, &c.Body, &c.Votes); err != nil {
			return err
		}
		p := byID[c.PostID]
		p.Comments = append(p.Comments, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range byID {
		if p.Comments == nil {
			p.Comments = []LComment{}
		}
	}
	return nil
}

// handRoles is the hand-written many-to-many load with the pivot columns
// put into each role's Pivot map, as relkit does.
func handRoles(ctx context.Context, q querier, s string, keys keyArgs, users []LUser) error {
	ids, at := userKeys(users)
	for i := range users {
		users[i].Roles = nil
	}
	rows, err := q.query(ctx, s, keys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r LRole
		var userID, roleID int64
		var active bool
		if err := rows.Scan(&r.ID, &r.Name, &userID, &roleID, &active); err != nil {
			return err
		}
		r.Pivot = map[string]any{"user_id": userID, "role_id": roleID, "active": active}
		u := &users[at[userID]]
		u.Roles = append(u.Roles, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range users {
		if users[i].Roles == nil {
			users[i].Roles = []LRole{}
		}
	}
	return nil
}

// handTypedRoles is handRoles with the pivot columns scanned straight into
// each role's typed Pivot struct.
func handTypedRoles(ctx context.Context, q querier, s string, keys keyArgs, users []LUser) error {
	ids, at := userKeys(users)
	for i := range users {
		users[i].TypedRoles = nil
	}
	rows, err := q.query(ctx, s, keys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r LTypedRole
		if err := rows.Scan(&r.ID, &r.Name, &r.Pivot.UserID, &r.Pivot.RoleID, &r.Pivot.Active); err != nil {
			return err
		}
		u := &users[at[r.Pivot.UserID]]
		u.TypedRoles = append(u.TypedRoles, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range users {
		if users[i].TypedRoles == nil {
			users[i].TypedRoles = []LTypedRole{}
		}
	}
	return nil
}

// pivotFirstSQL rewrites relkit's many-to-many statement (roles first,
// `from "load_roles" inner join "load_role_user"`) into the join driven
// from the pivot table; both return the same rows.
func pivotFirstSQL(b testing.TB, q string) string {
	b.Helper()
	out := strings.Replace(q, `from "load_roles" inner join "load_role_user"`, `from "load_role_user" inner join "load_roles"`, 1)
	if out == q { // MySQL's quoting
		out = strings.Replace(q, "from `load_roles` inner join `load_role_user`", "from `load_role_user` inner join `load_roles`", 1)
	}
	if out == q {
		b.Fatalf("unexpected statement %s", q)
	}
	return out
}

// loadCase is one workload: the relkit spec and the hand-written code.
type loadCase struct {
	name string
	spec load.Of[LUser]
	hand func(ctx context.Context, q querier, s []string, keys keyArgs, users []LUser) error
}

func loadCases() []loadCase {
	return []loadCase{
		{"posts", lUserPosts, func(ctx context.Context, q querier, s []string, k keyArgs, us []LUser) error {
			return handPosts(ctx, q, s[0], k, us)
		}},
		{"posts_comments", load.Nested(lUserPosts, lPostComments), handComments},
		{"roles_pivot", lUserRoles, func(ctx context.Context, q querier, s []string, k keyArgs, us []LUser) error {
			return handRoles(ctx, q, s[0], k, us)
		}},
		{"roles_pivot_struct", lUserTyped, func(ctx context.Context, q querier, s []string, k keyArgs, us []LUser) error {
			return handTypedRoles(ctx, q, s[0], k, us)
		}},
	}
}

// variant is one way of running a workload on one database.
type variant struct {
	name string
	run  func(users []LUser) error
}

// variants returns relkit and the hand-written variants of c for db:
// relkit first, then the hand-written code running relkit's statements,
// then the other forms. The many-to-many workloads add the pivot-driven
// join, hand-written (pivot_first).
func variants(b testing.TB, c loadCase, db *sqlt.DB, q querier, pg bool) []variant {
	ctx := context.Background()
	stmts := relkitSQL(b, db, c.spec)
	out := []variant{{"relkit", func(us []LUser) error { return load.With(ctx, db, us, c.spec) }}}
	keys, hand := keyArgs(jsonKeys), "database_sql"
	if pg {
		keys, hand = pgxKeys, "pgx"
	}
	out = append(out, variant{hand, func(us []LUser) error { return c.hand(ctx, q, stmts, keys, us) }})
	if strings.HasPrefix(c.name, "roles_") {
		other := []string{pivotFirstSQL(b, stmts[0])}
		out = append(out, variant{hand + "_pivot_first", func(us []LUser) error { return c.hand(ctx, q, other, keys, us) }})
	}
	if pg {
		return out
	}
	// The usual hand-written form: one placeholder per key.
	inline := make([]string, len(stmts))
	for i, s := range stmts {
		n := loadUsers
		if i == 1 {
			n = loadPostsTotal
		}
		inline[i] = inlineSQL(s, n)
	}
	return append(out, variant{"database_sql_inlist", func(us []LUser) error { return c.hand(ctx, q, inline, inlineKeys, us) }})
}

// TestLoadSameWork checks that relkit and every hand-written variant
// leave the users in the same state.
func TestLoadSameWork(t *testing.T) {
	check := func(t *testing.T, db *sqlt.DB, q querier, pg bool) {
		for _, c := range loadCases() {
			t.Run(c.name, func(t *testing.T) {
				var want []LUser
				for _, v := range variants(t, c, db, q, pg) {
					us := loadParents(t, db)
					if err := v.run(us); err != nil {
						t.Fatalf("%s: %v", v.name, err)
					}
					for i := range us {
						for j := range us[i].Posts {
							us[i].Posts[j].CreatedAt = us[i].Posts[j].CreatedAt.UTC()
						}
						for _, r := range us[i].Roles {
							// MySQL has no boolean type: read into an any,
							// a boolean column (TINYINT(1)) is an int64.
							if v, ok := r.Pivot["active"].(int64); ok {
								r.Pivot["active"] = v != 0
							}
						}
					}
					checkLoaded(t, c.name, us)
					if want == nil {
						want = us
						continue
					}
					if !reflect.DeepEqual(us, want) {
						t.Fatalf("%s loaded differently from relkit", v.name)
					}
				}
			})
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, sdb := sqliteRaw(t)
		seedLoad(t, db)
		check(t, db, stdQ{sdb}, false)
	})
	t.Run("postgres", func(t *testing.T) {
		db, pool := postgres(t)
		seedLoad(t, db)
		check(t, db, pgxQ{pool}, true)
	})
	t.Run("mysql", func(t *testing.T) {
		db, sdb := mysqlRaw(t)
		seedLoad(t, db)
		check(t, db, stdQ{sdb}, false)
	})
}

func checkLoaded(t testing.TB, name string, us []LUser) {
	t.Helper()
	for _, u := range us {
		switch name {
		case "posts", "posts_comments":
			if len(u.Posts) != postsPerUser {
				t.Fatalf("user %d: %d posts", u.ID, len(u.Posts))
			}
			if name == "posts_comments" {
				for _, p := range u.Posts {
					if len(p.Comments) != commentsPerPost {
						t.Fatalf("post %d: %d comments", p.ID, len(p.Comments))
					}
				}
			}
		case "roles_pivot":
			if len(u.Roles) != rolesPerUser {
				t.Fatalf("user %d: %d roles", u.ID, len(u.Roles))
			}
		case "roles_pivot_struct":
			if len(u.TypedRoles) != rolesPerUser {
				t.Fatalf("user %d: %d roles", u.ID, len(u.TypedRoles))
			}
			for _, r := range u.TypedRoles {
				if r.Pivot.UserID != u.ID || r.Pivot.RoleID != r.ID {
					t.Fatalf("user %d: role %d with pivot %+v", u.ID, r.ID, r.Pivot)
				}
			}
		}
	}
}

// BenchmarkLoad eager-loads into 1,000 users: posts (10 each, one level),
// posts and their comments (3 per post, two levels), and roles through
// the pivot table with a pivot column; relkit's load.With against
// hand-written code running the same statements on the same database
// (database/sql on SQLite, native pgx on PostgreSQL). On SQLite,
// database_sql_inlist sends one placeholder per key instead of relkit's
// json_each array.
func BenchmarkLoad(b *testing.B) {
	bench := func(b *testing.B, db *sqlt.DB, q querier, pg bool) {
		for _, c := range loadCases() {
			for _, v := range variants(b, c, db, q, pg) {
				if strings.HasSuffix(v.name, "_pivot_first") {
					continue // timed interleaved in BenchmarkLoadInterleaved and BenchmarkLoadJoinOrder; run back to back the order of runs dominates
				}
				b.Run(c.name+"/"+v.name, func(b *testing.B) {
					us := loadParents(b, db)
					b.ReportAllocs()
					for b.Loop() {
						if err := v.run(us); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, false)
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedLoad(b, db)
		bench(b, db, pgxQ{pool}, true)
	})
	b.Run("mysql", func(b *testing.B) {
		db, sdb := mysqlRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, false)
	})
}

// BenchmarkLoadInterleaved runs relkit and the hand-written code (same
// statements) alternately within one loop, so both see the same machine
// load, and reports the time ratio relkit ÷ hand-written (ratio). The
// many-to-many workloads also time the hand-written pivot-driven join
// and report relkit ÷ that (ratio-pivot-first). Each round rotates which
// variant goes first.
func BenchmarkLoadInterleaved(b *testing.B) {
	bench := func(b *testing.B, db *sqlt.DB, q querier, pg bool) {
		for _, c := range loadCases() {
			vs := variants(b, c, db, q, pg)
			n := 2 // relkit, hand-written
			if strings.HasPrefix(c.name, "roles_") {
				n = 3 // and the pivot-driven join
			}
			vs = vs[:n]
			b.Run(c.name, func(b *testing.B) {
				us := loadParents(b, db)
				took := make([]time.Duration, len(vs))
				i := 0
				for b.Loop() {
					for j := range vs {
						k := (i + j) % len(vs)
						start := time.Now()
						if err := vs[k].run(us); err != nil {
							b.Fatal(err)
						}
						took[k] += time.Since(start)
					}
					i++
				}
				b.ReportMetric(float64(took[0].Nanoseconds())/float64(i), "relkit-ns/load")
				b.ReportMetric(float64(took[1].Nanoseconds())/float64(i), "hand-ns/load")
				b.ReportMetric(float64(took[0])/float64(took[1]), "ratio")
				if len(vs) > 2 {
					b.ReportMetric(float64(took[2].Nanoseconds())/float64(i), "pivot-first-ns/load")
					b.ReportMetric(float64(took[0])/float64(took[2]), "ratio-pivot-first")
				}
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, false)
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedLoad(b, db)
		bench(b, db, pgxQ{pool}, true)
	})
	b.Run("mysql", func(b *testing.B) {
		db, sdb := mysqlRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, false)
	})
}

// BenchmarkLoadJoinOrder runs the many-to-many statement in its two join
// orders — roles first (`from "load_roles" join "load_role_user"`, the
// Eloquent shape relkit sends) and pivot first (`from "load_role_user"
// join "load_roles"`) — alternately within one loop on the same data, and
// reports pivot-first time ÷ roles-first time.
func BenchmarkLoadJoinOrder(b *testing.B) {
	bench := func(b *testing.B, db *sqlt.DB, q querier, keys keyArgs) {
		rolesFirst := relkitSQL(b, db, lUserRoles)[0]
		pivotFirst := pivotFirstSQL(b, rolesFirst)
		us := loadParents(b, db)
		ctx := context.Background()
		var tr, tp time.Duration
		timed := func(s string, d *time.Duration) {
			start := time.Now()
			if err := handRoles(ctx, q, s, keys, us); err != nil {
				b.Fatal(err)
			}
			*d += time.Since(start)
		}
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				timed(rolesFirst, &tr)
				timed(pivotFirst, &tp)
			} else {
				timed(pivotFirst, &tp)
				timed(rolesFirst, &tr)
			}
			i++
		}
		b.ReportMetric(float64(tr.Nanoseconds())/float64(i), "roles-first-ns/load")
		b.ReportMetric(float64(tp.Nanoseconds())/float64(i), "pivot-first-ns/load")
		b.ReportMetric(float64(tp)/float64(tr), "ratio")
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, jsonKeys)
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedLoad(b, db)
		bench(b, db, pgxQ{pool}, pgxKeys)
	})
}
