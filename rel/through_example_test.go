package rel_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// A user has many comments through the user's posts: comments.post_id
// holds posts.id, posts.user_id holds users.id. The type order is
// [declaring, through, related]; the same relation can be composed from
// the two relations it goes through.
func ExampleHasManyThrough() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	userComments := rel.HasManyThrough[User, Post, Comment]() // posts.user_id, comments.post_id
	composed := rel.ThroughMany(UserPosts, PostComments)      // the keys of the two relations

	ann := find[User](ctx, db, 1)
	comments, err := query.Related(userComments, &ann).OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, c := range comments {
		fmt.Println(ann.Name, c.Body)
	}

	// Existence: the users with a comment on one of their posts.
	users, err := query.From[User]().Where(query.Has(composed)).Get(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(users), "user with comments:", users[0].Name)

	// A through relation reads only: write through the relation to T.
	err = query.Related(userComments, &ann).Insert(ctx, db, &Comment{Body: "orphan"})
	fmt.Println(errors.Is(err, query.ErrUnsupported))
	// Output:
	// ann nice
	// ann great
	// 1 user with comments: ann
	// true
}
