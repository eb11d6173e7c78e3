package rel_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
)

// A chain declared at package level registers its final value; deriving
// from a declared relation at run time never changes what a name means.
func TestRegistryDeclarationsVersusRuntimeDerivations(t *testing.T) {
	user := reflect.TypeFor[fixture.User]()
	r, err := rel.Lookup(user, "roles")
	require.NoError(t, err)
	assert.Equal(t, []string{"active"}, relmeta.Of(r).PivotColumns, "the WithPivot step of the declaration is registered")

	post := reflect.TypeFor[fixture.Post]()
	_ = fixture.PostAuthor.WithDefault(fixture.User{Name: "Guest"})
	_ = fixture.PostAuthor.Named("author")
	r, err = rel.Lookup(post, "author")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(fixture.PostAuthor), relmeta.Of(r), "a run-time derivation does not replace the declaration")
	assert.Nil(t, relmeta.Of(r).Default)
}
