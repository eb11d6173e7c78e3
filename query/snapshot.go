package query

import "reflect"

// snapshots remembers the caller's structs as they were before a write
// changed them (generated keys, foreign keys, timestamps), so that a write
// that fails can put them back: a failed write leaves no trace in memory,
// as the rollback leaves none in the database.
type snapshots []snapshot

type snapshot struct{ v, old reflect.Value }

// keep remembers the addressable struct v as it is now.
func (s *snapshots) keep(v reflect.Value) {
	old := reflect.New(v.Type()).Elem()
	old.Set(v)
	*s = append(*s, snapshot{v, old})
}

// restore puts back every struct kept, newest first (a struct kept twice
// ends up as it was the first time).
func (s snapshots) restore() {
	for i := len(s) - 1; i >= 0; i-- {
		s[i].v.Set(s[i].old)
	}
}

// unchangedOnError runs write, which may change the addressable structs
// vals, and puts them back as they were when it fails.
func unchangedOnError(vals []reflect.Value, write func() error) error {
	s := make(snapshots, 0, len(vals))
	for _, v := range vals {
		s.keep(v)
	}
	err := write()
	if err != nil {
		s.restore()
	}
	return err
}
