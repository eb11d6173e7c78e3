package schema

// Aliased returns a view of m under another table name: the same type,
// fields and column index, with Table set to alias. Builders use it to
// qualify columns of a table that a statement reads under an alias (the
// inner table of a self-relation's subquery, "posts" as
// "relkit_reserved_0"). m itself is unchanged; the view is never cached and
// must not be used to scan rows (scan with [ModelOf]'s model).
func (m *Model) Aliased(alias string) *Model {
	a := &Model{
		Type:      m.Type,
		Table:     alias,
		Fields:    m.Fields,
		PK:        m.PK,
		CreatedAt: m.CreatedAt,
		UpdatedAt: m.UpdatedAt,
		cols:      m.cols,
	}
	a.readColumns() // the column list qualified by the alias
	return a
}
