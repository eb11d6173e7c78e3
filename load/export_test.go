package load

// SetPivotFirst chooses the belongsToMany join order for a test and
// returns a function restoring the previous one.
func SetPivotFirst(v bool) (restore func()) {
	old := pivotFirst
	pivotFirst = v
	return func() { pivotFirst = old }
}
