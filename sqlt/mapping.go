package sqlt

import "github.com/relkit/relkit/internal/schema"

// Tabler is implemented by models that choose their table name.
type Tabler = schema.Tabler

// PrimaryKeyer is implemented by models whose primary key column is not
// "id" (the tag option `db:"code,pk"` does the same).
type PrimaryKeyer = schema.PrimaryKeyer
