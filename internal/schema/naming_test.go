package schema_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/relkit/relkit/internal/schema"
)

func TestNaming(t *testing.T) {
	for in, want := range map[string]string{"User": "user", "UserID": "user_id", "BlogPost": "blog_post", "HTTPServer": "http_server", "ID": "id", "Address2": "address2"} {
		assert.Equal(t, want, schema.Snake(in), in)
	}
	for in, want := range map[string]string{"user": "users", "person": "people", "blog_post": "blog_posts", "category": "categories", "media": "media", "user_profile": "user_profiles"} {
		assert.Equal(t, want, schema.Plural(in), in)
	}
}
