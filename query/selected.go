package query

// Selected returns the select list chosen with Select, each column
// rendered as in the SQL ("\"posts\".\"id\""), or nil when the query reads
// the default columns of T (its mapped columns). Eager loaders use it to
// add the key columns they need to a constrained query without widening it.
func (q *Query[T]) Selected() []string {
	if len(q.columns) == 0 {
		return nil
	}
	return clip(q.columns)
}
