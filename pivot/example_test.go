package pivot_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Student takes many courses through the pivot table course_student.
type Student struct {
	ID      int64    `db:"id"`
	Name    string   `db:"name"`
	Courses []Course `db:"-"`
}

// Course is taken by many students.
type Course struct {
	ID    int64          `db:"id"`
	Title string         `db:"title"`
	Pivot map[string]any `db:"-"`
}

// StudentCourses reads and writes course_student(student_id, course_id,
// grade).
var StudentCourses = rel.BelongsToMany[Student, Course]().WithPivot("grade")

// openSchool opens an in-memory SQLite database with students 1 and 2 and
// courses 1 to 4.
func openSchool(ctx context.Context) *sqlt.DB {
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []string{
		`create table students (id integer primary key, name text not null)`,
		`create table courses (id integer primary key, title text not null)`,
		`create table course_student (student_id integer not null references students(id),
			course_id integer not null references courses(id), grade text,
			primary key (student_id, course_id))`,
		`insert into students (id, name) values (1, 'ada'), (2, 'bo')`,
		`insert into courses (id, title) values (1, 'algebra'), (2, 'biology'), (3, 'chemistry'), (4, 'drama')`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			log.Fatal(err)
		}
	}
	return db
}

// courses prints a student's course ids and grades.
func courses(ctx context.Context, db *sqlt.DB, student int64) {
	rows, err := db.Query(ctx, `select course_id, coalesce(grade, '-') from course_student where student_id = ? order by course_id`, student)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var grade string
		if err := rows.Scan(&id, &grade); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d:%s ", id, grade)
	}
	fmt.Println()
}

func ExampleSync() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}

	ch, err := pivot.Sync(ctx, db, StudentCourses, ada, []int64{1, 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", ch)

	// Keys may be strings for an integer key; they come back as int64.
	ch, err = pivot.Sync(ctx, db, StudentCourses, ada, []string{"1", "3", "4"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", ch)

	// The map form sets pivot columns; a kept key is reported as updated
	// when its row changed.
	ch, err = pivot.Sync(ctx, db, StudentCourses, ada, map[int64]map[string]any{1: {"grade": "A"}, 3: {}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", ch)
	courses(ctx, db, 1)
	// Output:
	// {Attached:[1 2] Detached:[] Updated:[]}
	// {Attached:[3 4] Detached:[2] Updated:[]}
	// {Attached:[] Detached:[4] Updated:[1]}
	// 1:A 3:-
}

func ExampleAttach() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}

	// One multi-row INSERT; the duplicate 2 is attached once.
	if err := pivot.Attach(ctx, db, StudentCourses, ada, []int64{1, 2, 2}); err != nil {
		log.Fatal(err)
	}
	// Pivot columns as attributes; related models in place of keys.
	if err := pivot.Attach(ctx, db, StudentCourses, ada, []Course{{ID: 3}}, map[string]any{"grade": "B"}); err != nil {
		log.Fatal(err)
	}
	courses(ctx, db, 1)
	// Output:
	// 1:- 2:- 3:B
}

func ExampleDetach() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada, bo := &Student{ID: 1}, &Student{ID: 2}
	for _, s := range []*Student{ada, bo} {
		if err := pivot.Attach(ctx, db, StudentCourses, s, []int64{1, 2, 3}); err != nil {
			log.Fatal(err)
		}
	}

	n, err := pivot.Detach(ctx, db, StudentCourses, ada, []int64{1, 2})
	fmt.Println(n, err)
	n, err = pivot.Detach(ctx, db, StudentCourses, ada, []int64{}) // nothing: no statement
	fmt.Println(n, err)
	n, err = pivot.DetachAll(ctx, db, StudentCourses, ada) // all of ada's rows, not bo's
	fmt.Println(n, err)
	courses(ctx, db, 1)
	courses(ctx, db, 2)
	// Output:
	// 2 <nil>
	// 0 <nil>
	// 1 <nil>
	//
	// 1:- 2:- 3:-
}

func ExampleSyncWithPivotValues() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}
	if err := pivot.Attach(ctx, db, StudentCourses, ada, []int64{1, 2}); err != nil {
		log.Fatal(err)
	}

	ch, err := pivot.SyncWithPivotValues(ctx, db, StudentCourses, ada, []int64{2, 3}, map[string]any{"grade": "C"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", ch)
	courses(ctx, db, 1)
	// Output:
	// {Attached:[3] Detached:[1] Updated:[2]}
	// 2:C 3:C
}

func ExampleSyncWithoutDetaching() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}
	if err := pivot.Attach(ctx, db, StudentCourses, ada, 1); err != nil {
		log.Fatal(err)
	}

	ch, err := pivot.SyncWithoutDetaching(ctx, db, StudentCourses, ada, []int64{1, 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", ch)
	courses(ctx, db, 1)
	// Output:
	// {Attached:[2] Detached:[] Updated:[]}
	// 1:- 2:-
}

func ExampleUpdateExistingPivot() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}
	if err := pivot.Attach(ctx, db, StudentCourses, ada, []int64{1, 2}); err != nil {
		log.Fatal(err)
	}

	n, err := pivot.UpdateExistingPivot(ctx, db, StudentCourses, ada, 2, map[string]any{"grade": "A+"})
	fmt.Println(n, err)

	// Pivot filters restrict the rows touched: only graded rows here.
	graded := StudentCourses.WherePivotNotNull("grade")
	n, err = pivot.UpdateExistingPivot(ctx, db, graded, ada, []int64{1, 2}, map[string]any{"grade": "A"})
	fmt.Println(n, err)
	courses(ctx, db, 1)
	// Output:
	// 1 <nil>
	// 1 <nil>
	// 1:- 2:A
}

func ExampleToggle() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}

	if err := pivot.Attach(ctx, db, StudentCourses, ada, []int64{1, 2}); err != nil {
		log.Fatal(err)
	}
	// 2 is attached: detached; 3 is not: attached, with its grade.
	tg, err := pivot.Toggle(ctx, db, StudentCourses, ada, map[int64]map[string]any{2: nil, 3: {"grade": "B"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("attached", tg.Attached, "detached", tg.Detached)
	courses(ctx, db, 1)
	// Output:
	// attached [3] detached [2]
	// 1:- 3:B
}

// studentCourses is StudentCourses with typed course ids: passing course
// titles to it does not compile.
var studentCourses = pivot.Keys[int64](StudentCourses)

func ExampleKeys() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}

	ch, err := studentCourses.Sync(ctx, db, ada, []int64{1, 2})
	if err != nil {
		log.Fatal(err)
	}
	var ids []int64 = ch.Attached // typed: no assertion
	fmt.Println("attached", ids)
	tg, err := studentCourses.Toggle(ctx, db, ada, []int64{2, 4})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("attached", tg.Attached, "detached", tg.Detached)
	// studentCourses.Sync(ctx, db, ada, []string{"drama"}) // does not compile

	// A key type that does not suit the key column fails before any statement.
	_, err = pivot.Keys[string](StudentCourses).Sync(ctx, db, ada, []string{"drama"})
	fmt.Println(errors.Is(err, rel.ErrUnsupportedKey))
	courses(ctx, db, 1)
	// Output:
	// attached [1 2]
	// attached [4] detached [2]
	// true
	// 1:- 4:-
}
