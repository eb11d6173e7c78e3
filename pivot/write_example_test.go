package pivot_test

import (
	"context"
	"fmt"
	"log"

	"github.com/relkit/relkit/pivot"
)

func ExampleFirstOrCreate() {
	ctx := context.Background()
	db := openSchool(ctx)
	defer db.Close()
	ada := &Student{ID: 1}

	// A new course, inserted and attached in one transaction; the pivot
	// field holds the pivot row written.
	eco, err := pivot.Create(ctx, db, StudentCourses, ada, Course{Title: "economics"}, map[string]any{"grade": "B"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(eco.ID, eco.Title, eco.Pivot["grade"])

	// biology exists but ada does not take it: it is attached.
	bio, err := pivot.FirstOrCreate(ctx, db, StudentCourses, ada, map[string]any{"title": "biology"}, nil, map[string]any{"grade": "A"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bio.ID, bio.Title, bio.Pivot["grade"])

	// Now she does: read through the relation, nothing written.
	bio, err = pivot.FirstOrCreate(ctx, db, StudentCourses, ada, map[string]any{"title": "biology"}, nil, map[string]any{"grade": "C"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bio.ID, bio.Title, bio.Pivot["grade"])

	// FirstOrNew searches the whole courses table and attaches nothing.
	drama, err := pivot.FirstOrNew(ctx, db, StudentCourses, ada, map[string]any{"title": "drama"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(drama.ID, drama.Title, drama.Pivot == nil)
	courses(ctx, db, 1)
	// Output:
	// 5 economics B
	// 2 biology A
	// 2 biology A
	// 4 drama true
	// 2:A 5:B
}
